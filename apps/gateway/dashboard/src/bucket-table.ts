// The table of the chart's buckets, one page at a time (only that page is in the DOM: a year
// of 15-minute buckets is 35,040 rows), optionally only the incomplete ones. A bucket holding
// estimated or edited values says how many (data-estimated, data-edited hold the counts).
import { formatCount, formatNumber, formatPresence, formatSpan } from './format';
import type { UsageColumns } from './usage-data';

const PAGE_SIZE = 100;

export interface BucketTableElements {
  section: HTMLElement;
  tbody: HTMLTableSectionElement;
  caption: HTMLTableCaptionElement;
  usageHeader: HTMLElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  pageInput: HTMLInputElement;
  pageCount: HTMLElement;
  info: HTMLElement;
  incompleteOnly: HTMLInputElement;
  scroller: HTMLElement;
}

/** What the table needs to know of the view besides the buckets. */
export interface TableView {
  timeZone: string;
  bucketLabel: string;
  /** What the values are: Usage (energy) or Average power. */
  measure: string;
}

export function createBucketTable(el: BucketTableElements) {
  let columns: UsageColumns | null = null;
  let view: TableView | null = null;
  let rows: number[] = []; // bucket indexes shown (all, or the incomplete ones)
  let page = 0;

  const pageTotal = () => Math.max(1, Math.ceil(rows.length / PAGE_SIZE));

  function row(data: UsageColumns, timeZone: string, i: number): HTMLTableRowElement {
    const present = data.present[i]!;
    const expected = data.expected[i]!;
    const state = present === 0 ? 'missing' : present < expected ? 'partial' : 'complete';
    const tr = document.createElement('tr');
    tr.dataset.index = String(i);
    tr.dataset.state = state;
    if (data.clipped[i]) tr.dataset.clipped = 'true';
    const when = document.createElement('th');
    when.scope = 'row';
    const time = document.createElement('time');
    time.dateTime = new Date(data.startSec[i]! * 1000).toISOString();
    time.textContent = formatSpan(data.startSec[i]! * 1000, data.endMs[i]!, timeZone, { compact: true });
    when.append(time);
    const usage = document.createElement('td');
    usage.className = 'num';
    usage.textContent = state === 'missing' ? 'missing' : formatNumber(data.sums[i]!);
    if (state !== 'missing') usage.dataset.value = String(data.sums[i]);
    const presence = document.createElement('td');
    presence.className = 'num';
    presence.textContent = formatPresence(present, expected);
    if (state === 'partial') presence.append(' ', badge('partial', 'partial'));
    if (state === 'missing') presence.append(' ', badge('none', 'none'));
    // Counts of a clipped bucket cover only the part inside the range.
    if (data.clipped[i]) presence.append(' ', badge('clipped', 'cut by range'));
    for (const [kind, count] of [
      ['estimated', data.estimated[i]!],
      ['edited', data.edited[i]!],
    ] as const) {
      if (count === 0) continue;
      tr.dataset[kind] = String(count);
      presence.append(' ', badge(kind, `${formatCount(count)} ${kind}`));
    }
    tr.append(when, usage, presence);
    return tr;
  }

  function badge(kind: string, text: string): HTMLSpanElement {
    const span = document.createElement('span');
    span.className = `badge badge-${kind}`;
    span.textContent = text;
    return span;
  }

  function showPage(requested: number): void {
    if (columns === null || view === null) return;
    const [data, timeZone] = [columns, view.timeZone];
    page = Math.min(Math.max(0, requested), pageTotal() - 1);
    const first = page * PAGE_SIZE;
    const shown = rows.slice(first, first + PAGE_SIZE);
    el.tbody.replaceChildren(...shown.map((i) => row(data, timeZone, i)));
    el.scroller.scrollTop = 0;
    el.pageInput.value = String(page + 1);
    el.pageInput.max = String(pageTotal());
    el.pageCount.textContent = formatCount(pageTotal());
    el.info.textContent =
      rows.length === 0
        ? 'No incomplete buckets in this range.'
        : `Buckets ${formatCount(first + 1)}–${formatCount(first + shown.length)} of ${formatCount(rows.length)}`;
    // aria-disabled, not disabled: a disabled button would drop keyboard focus at either end.
    el.prev.setAttribute('aria-disabled', String(page === 0));
    el.next.setAttribute('aria-disabled', String(page >= pageTotal() - 1));
    el.section.dataset.page = String(page + 1);
  }

  function selectRows(data: UsageColumns): void {
    rows = [];
    const onlyIncomplete = el.incompleteOnly.checked;
    for (let i = 0; i < data.length; i++) if (!onlyIncomplete || data.present[i]! < data.expected[i]!) rows.push(i);
  }

  el.prev.addEventListener('click', () => showPage(page - 1));
  el.next.addEventListener('click', () => showPage(page + 1));
  el.pageInput.addEventListener('change', () => showPage(Number(el.pageInput.value) - 1));
  el.incompleteOnly.addEventListener('change', () => {
    if (columns === null) return;
    selectRows(columns);
    showPage(0);
  });

  return {
    /** Shows the first page of new buckets. */
    render(nextColumns: UsageColumns, nextView: TableView): void {
      columns = nextColumns;
      view = nextView;
      el.caption.textContent = `${nextView.measure} per ${nextView.bucketLabel.toLowerCase()} bucket, times in ${nextView.timeZone}`;
      el.usageHeader.textContent = `${nextView.measure} (${nextColumns.unit})`;
      selectRows(nextColumns);
      showPage(0);
    },
  };
}

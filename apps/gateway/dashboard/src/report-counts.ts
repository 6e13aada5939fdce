// A report's counts as a definition list (Inserted 2, Updated 0, …): the upload report, an upload
// record's report and a revert's or estimation's. Each item's data-count names the count and its
// data-value holds the raw number, for scripts and tests.
import { formatCount } from './format';

/** [key, label, value] of each count, in the order shown. */
export type Counts = ReadonlyArray<readonly [key: string, label: string, value: number | undefined]>;

export function countList(counts: Counts): HTMLDListElement {
  const list = document.createElement('dl');
  list.className = 'report-counts';
  for (const [key, label, value = 0] of counts) {
    const item = document.createElement('div');
    item.dataset.count = key;
    item.dataset.value = String(value);
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = formatCount(value);
    item.append(dt, dd);
    list.append(item);
  }
  return list;
}

/** The counts of an ingest report (POST /api/readings, and each upload record). */
export function ingestCounts(report: { inserted?: number; updated?: number; unchanged?: number; skipped?: number; rejected?: number }): Counts {
  return [
    ['inserted', 'Inserted', report.inserted],
    ['updated', 'Updated', report.updated],
    ['unchanged', 'Unchanged', report.unchanged],
    ['skipped', 'Skipped', report.skipped],
    ['rejected', 'Rejected', report.rejected],
  ];
}

/** A paragraph of text, optionally with a class. */
export function paragraph(text: string, className?: string): HTMLParagraphElement {
  const p = document.createElement('p');
  if (className) p.className = className;
  p.textContent = text;
  return p;
}

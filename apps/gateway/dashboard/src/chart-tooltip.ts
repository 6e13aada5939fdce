// The chart's tooltip, beside the bucket under the pointer (or the one the arrow keys chose): its
// time, its value, and what the value is. A bucket of one interval names the reading's quality
// and upload, asked of the API (reading-provenance.ts); a wider one counts its estimated and
// edited values. The tooltip only repeats for the eye what the legend and the live read-outs say,
// so assistive technology is told to skip it.
import type UPlot from 'uplot';
import { formatQualityCounts, formatSpan } from './format';
import type { ProvenanceCache } from './reading-provenance';
import type { UsageColumns } from './usage-data';

export interface TooltipOptions {
  meterId: string;
  timeZone: string;
  provenance: ProvenanceCache;
  /** The bucket's value in words, as the legend says it. */
  describeValue: (i: number) => string;
  /** A single interval's provenance arrived (for the live read-out). */
  onProvenance: (i: number, text: string) => void;
}

/** Whether bucket i is exactly one interval of the meter (one reading, so one quality and one upload). */
function isOneInterval(columns: UsageColumns, i: number): boolean {
  return columns.expected[i] === 1 && !columns.clipped[i];
}

/** "2 estimated, 1 edited" of a wider bucket; "all actual" when every present value is. */
function countsText(columns: UsageColumns, i: number): string {
  const kinds = formatQualityCounts(columns.estimated[i]!, columns.edited[i]!);
  return kinds !== '' || columns.present[i] === 0 ? kinds : 'all actual';
}

export function tooltipPlugin(columns: UsageColumns, { meterId, timeZone, provenance, describeValue, onProvenance }: TooltipOptions): UPlot.Plugin {
  const box = document.createElement('div');
  box.className = 'chart-tooltip';
  box.id = 'chart-tooltip';
  box.setAttribute('aria-hidden', 'true');
  box.hidden = true;
  const line = (name: string) => {
    const element = document.createElement('p');
    element.className = name;
    box.append(element);
    return element;
  };
  const when = line('tooltip-when');
  const value = line('tooltip-value');
  const quality = line('tooltip-quality');
  let shownIdx: number | null = null;

  function place(u: UPlot, left: number, top: number): void {
    const gap = 12;
    const { width, height } = box.getBoundingClientRect();
    const overWidth = u.over.clientWidth;
    const overHeight = u.over.clientHeight;
    const x = left + gap + width <= overWidth ? left + gap : Math.max(0, left - gap - width);
    const y = top + gap + height <= overHeight ? top + gap : Math.max(0, top - gap - height);
    box.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  function setQuality(text: string, state: 'loading' | 'done' | 'failed' | 'counts'): void {
    quality.textContent = text;
    quality.dataset.state = state;
    quality.hidden = text === '';
  }

  function show(u: UPlot, i: number): void {
    if (i !== shownIdx) {
      shownIdx = i;
      box.dataset.index = String(i);
      when.textContent = formatSpan(columns.startSec[i]! * 1000, columns.endMs[i]!, timeZone);
      value.textContent = describeValue(i);
      if (isOneInterval(columns, i)) {
        const startMs = columns.startSec[i]! * 1000;
        const known = provenance.ask(meterId, startMs, columns.endMs[i]!, (text, failed) => {
          if (shownIdx !== i) return;
          setQuality(text, failed ? 'failed' : 'done');
          onProvenance(i, text);
          place(u, u.cursor.left ?? 0, u.cursor.top ?? 0);
        });
        if (known === undefined) setQuality('looking up quality and upload…', 'loading');
        else {
          setQuality(known, 'done');
          onProvenance(i, known);
        }
      } else {
        provenance.cancel();
        setQuality(countsText(columns, i), 'counts');
      }
    }
    box.hidden = false;
    place(u, u.cursor.left ?? 0, u.cursor.top ?? 0);
  }

  function hide(): void {
    provenance.cancel();
    shownIdx = null;
    box.hidden = true;
    delete box.dataset.index;
  }

  return {
    hooks: {
      init: (u) => {
        u.over.append(box);
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        // uPlot parks the cursor at a negative left when the pointer leaves the plot.
        if (i === null || i === undefined || (u.cursor.left ?? -1) < 0 || i >= columns.length) hide();
        else show(u, i);
      },
      destroy: () => {
        provenance.cancel();
        box.remove();
      },
    },
  };
}

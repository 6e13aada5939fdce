// The usage chart: uPlot (the global from /vendor/uplot/uPlot.iife.min.js) drawing each bucket
// as a step over its own [start, end), so missing buckets are gaps (never zeros), partly
// missing ones are marked, buckets the range cuts are hatched, and buckets holding estimated or
// edited values are marked in their own colours (quality-series.ts). Drag to zoom, arrow keys to
// read buckets, legend shows start–end, the tooltip what the values are (chart-tooltip.ts).
import type UPlot from 'uplot';
import { tooltipPlugin } from './chart-tooltip';
import { formatPresence, formatQualityCounts, formatSpan, formatUsage } from './format';
import { qualitySeries, type QualityColors } from './quality-series';
import { createProvenanceCache, type ReadingLookup } from './reading-provenance';
import { bucketIndexAt, type UsageColumns } from './usage-data';

/** The classic script before the bundle defines it; only its types come from the package. */
declare global {
  interface Window {
    uPlot: typeof UPlot;
  }
}

/** What the chart needs to know of the view besides the buckets. */
export interface ChartView {
  meterId: string;
  timeZone: string;
  /** "per day" for energy; empty for power, a rate. */
  per: string;
  /** What the values are: Usage (energy) or Average power. */
  measure: string;
}

interface ChartColors extends QualityColors {
  line: string;
  fill: string;
  grid: string;
  axis: string;
  missing: string;
  partial: string;
  clipped: string;
  comparison: string;
}

/** Draws one step per bucket with a value, joined where buckets touch; nulls break the line and the fill. */
function bucketSteps(columns: UsageColumns): UPlot.Series.PathBuilder {
  return (u, seriesIdx, idx0, idx1) => {
    const stroke = new Path2D();
    const fill = new Path2D();
    const values = u.data[seriesIdx]!;
    const baseline = u.valToPos(0, 'y', true);
    let runEndX: number | null = null;
    const closeRun = () => {
      if (runEndX === null) return;
      fill.lineTo(runEndX, baseline);
      fill.closePath();
      runEndX = null;
    };
    for (let i = idx0; i <= idx1; i++) {
      const value = values[i];
      if (value === null || value === undefined) {
        closeRun();
        continue;
      }
      const left = u.valToPos(columns.startSec[i]!, 'x', true);
      const right = u.valToPos(columns.endMs[i]! / 1000, 'x', true);
      const top = u.valToPos(value, 'y', true);
      const touchesPrevious = runEndX !== null && columns.endMs[i - 1] === columns.startSec[i]! * 1000;
      if (!touchesPrevious) {
        closeRun();
        stroke.moveTo(left, top);
        fill.moveTo(left, baseline);
        fill.lineTo(left, top);
      } else {
        stroke.lineTo(left, top);
        fill.lineTo(left, top);
      }
      stroke.lineTo(right, top);
      fill.lineTo(right, top);
      runEndX = right;
    }
    closeRun();
    return { stroke, fill, clip: undefined, flags: 0 };
  };
}

/** A small tile of one diagonal line, repeated as the hatching of clipped buckets. */
function hatchTile(uPlot: typeof UPlot, color: string): HTMLCanvasElement {
  const size = Math.round(8 * uPlot.pxRatio);
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const ctx = tile.getContext('2d')!;
  ctx.strokeStyle = color;
  ctx.lineWidth = Math.max(1, uPlot.pxRatio);
  ctx.beginPath();
  ctx.moveTo(0, size);
  ctx.lineTo(size, 0);
  ctx.stroke();
  return tile;
}

/**
 * Shades buckets without any reading over the full height, marks partly missing ones with a
 * strip at the bottom, and hatches the ones the range cuts (their counts cover only part).
 */
function missingDataPlugin(uPlot: typeof UPlot, columns: UsageColumns, colors: ChartColors): UPlot.Plugin {
  const span = (u: UPlot, i: number): [left: number, width: number] => {
    const left = u.valToPos(columns.startSec[i]!, 'x', true);
    const right = u.valToPos(columns.endMs[i]! / 1000, 'x', true);
    const width = Math.max(right - left, 2 * uPlot.pxRatio); // a 15-minute hole in a year is still visible
    return [(left + right - width) / 2, width];
  };
  return {
    hooks: {
      drawAxes: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.beginPath();
        ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
        ctx.clip();
        ctx.fillStyle = colors.missing;
        for (const i of columns.missingIdxs) {
          const [left, width] = span(u, i);
          ctx.fillRect(left, bbox.top, width, bbox.height);
        }
        const strip = 6 * uPlot.pxRatio;
        ctx.fillStyle = colors.partial;
        for (const i of columns.partialIdxs) {
          const [left, width] = span(u, i);
          ctx.fillRect(left, bbox.top + bbox.height - strip, width, strip);
        }
        if (columns.clippedIdxs.length > 0) {
          ctx.fillStyle = ctx.createPattern(hatchTile(uPlot, colors.clipped), 'repeat') ?? colors.clipped;
          for (const i of columns.clippedIdxs) {
            const [left, width] = span(u, i);
            ctx.fillRect(left, bbox.top, width, bbox.height);
          }
        }
        ctx.restore();
      },
    },
  };
}

function cssColors(): ChartColors {
  const css = getComputedStyle(document.documentElement);
  const color = (name: string) => css.getPropertyValue(name).trim();
  return {
    line: color('--chart-line'),
    fill: color('--chart-fill'),
    grid: color('--chart-grid'),
    axis: color('--muted'),
    missing: color('--chart-missing'),
    partial: color('--chart-partial'),
    clipped: color('--chart-clipped'),
    estimated: color('--chart-estimated'),
    estimatedFill: color('--chart-estimated-fill'),
    edited: color('--chart-edited'),
    editedFill: color('--chart-edited-fill'),
    comparison: color('--chart-comparison'),
  };
}

/** The legend's name of a comparison series. */
export function comparisonLabel(name: string): string {
  return name === 'previous_year' ? 'Previous year' : 'Previous period';
}

export interface ChartCallbacks {
  onZoom: (range: { fromMs: number; toMs: number }) => void;
  onReadout: (text: string) => void;
  /** The reading of one interval, for the tooltip's quality and upload. */
  lookupReading: ReadingLookup;
  /** The quality and upload of the interval the arrow keys chose, once known (a second read-out). */
  onProvenanceReadout: (text: string) => void;
}

/** A chart drawn into `container` (a focusable element). */
export function createUsageChart(container: HTMLElement, { onZoom, onReadout, lookupReading, onProvenanceReadout }: ChartCallbacks) {
  const { uPlot } = window;
  const provenance = createProvenanceCache(lookupReading);
  let plot: UPlot | null = null;
  let columns: UsageColumns | null = null;
  let view: ChartView | null = null;
  let keyboardIdx: number | null = null;

  const size = () => {
    const width = Math.max(1, container.clientWidth);
    return { width, height: width < 600 ? 260 : 360 };
  };

  /** The bucket under the cursor, as the legend and the keyboard read-out say it. */
  function describe(data: UsageColumns, timeZone: string, i: number): string {
    const when = formatSpan(data.startSec[i]! * 1000, data.endMs[i]!, timeZone);
    const kinds = formatQualityCounts(data.estimated[i]!, data.edited[i]!);
    return `${when}: ${describeValue(data, i)}${kinds === '' ? '' : ` (${kinds})`}`;
  }

  function describeValue(data: UsageColumns, i: number): string {
    const present = data.present[i]!;
    const expected = data.expected[i]!;
    const cut = data.clipped[i] ? ', cut by the range (only the part inside counted)' : '';
    if (present === 0) return `missing (${formatPresence(0, expected)} intervals)${cut}`;
    const value = formatUsage(data.sums[i], data.unit);
    return present < expected ? `${value}, partly missing (${formatPresence(present, expected)} intervals)${cut}` : `${value}${cut}`;
  }

  function zoomToSelection(data: UsageColumns, u: UPlot): void {
    if (u.select.width < 3) return;
    const fromSec = u.posToVal(u.select.left, 'x');
    const toSec = u.posToVal(u.select.left + u.select.width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    let first = bucketIndexAt(data, fromSec);
    let last = bucketIndexAt(data, toSec);
    if (first < 0) first = 0;
    if (last < 0) last = data.length - 1;
    // Whole buckets only: the new range starts and ends on bucket boundaries.
    onZoom({ fromMs: data.startSec[first]! * 1000, toMs: data.endMs[last]! });
  }

  function build(data: UsageColumns, shown: ChartView, resolveDrawn: () => void): void {
    const colors = cssColors();
    const axis = {
      stroke: colors.axis,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1 },
    };
    const xMin = data.startSec[0]!;
    const xMax = data.endMs[data.length - 1]! / 1000;
    let drawn = false;
    const quality = qualitySeries(data, colors, uPlot.pxRatio);
    const opts: UPlot.Options = {
      ...size(),
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), shown.timeZone),
      scales: {
        x: { time: true, range: () => [xMin, xMax] },
        y: {
          range: (_u, min, max) => (min === null || max === null ? [0, 1] : uPlot.rangeNum(Math.min(0, min), max, 0.1, true)),
        },
      },
      series: [
        {
          label: shown.timeZone,
          value: (_u, seconds, _si, i) => (i === null || i === undefined ? '—' : formatSpan(seconds * 1000, data.endMs[i]!, shown.timeZone)),
        },
        {
          label: `${shown.measure} (${[data.unit, shown.per].filter(Boolean).join(' ')})`,
          stroke: colors.line,
          fill: colors.fill,
          width: 1.5,
          spanGaps: false,
          paths: bucketSteps(data),
          points: { show: false },
          value: (_u, _value, _si, i) => (i === null || i === undefined ? '—' : describeValue(data, i)),
        },
        ...quality.series,
        ...(data.comparison === undefined
          ? []
          : [
              {
                label: comparisonLabel(data.comparison.name),
                stroke: colors.comparison,
                width: 1.5,
                dash: [6, 4],
                spanGaps: false,
                paths: bucketSteps(data),
                points: { show: false },
                value: (_u: UPlot, value: number | null) => (value === null || value === undefined ? '—' : formatUsage(value, data.unit)),
              },
            ]),
      ],
      axes: [
        { ...axis, label: `Time (${shown.timeZone})` },
        {
          ...axis,
          label: [data.unit, shown.per].filter(Boolean).join(' '),
          size: (_u, values) => 24 + 8 * Math.max(3, ...(values ?? []).map((text) => String(text).length)),
        },
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { show: false },
        dataIdx: (_u, _seriesIdx, closestIdx, seconds) => {
          const i = bucketIndexAt(data, seconds);
          return i < 0 ? closestIdx : i;
        },
      },
      legend: { live: true },
      hooks: {
        setSelect: [(u) => zoomToSelection(data, u)],
        draw: [
          () => {
            if (drawn) return;
            drawn = true;
            resolveDrawn();
          },
        ],
      },
      plugins: [
        missingDataPlugin(uPlot, data, colors),
        tooltipPlugin(data, {
          meterId: shown.meterId,
          timeZone: shown.timeZone,
          provenance,
          describeValue: (i) => describeValue(data, i),
          onProvenance: (i, text) => {
            if (i === keyboardIdx) onProvenanceReadout(`${formatSpan(data.startSec[i]! * 1000, data.endMs[i]!, shown.timeZone)}: ${text}`);
          },
        }),
      ],
    };
    plot = new uPlot(opts, [data.startSec, data.sums, ...quality.data, ...(data.comparison === undefined ? [] : [data.comparison.sums])], container);
  }

  function moveKeyboardCursor(shownPlot: UPlot, data: UsageColumns, timeZone: string, i: number): void {
    keyboardIdx = Math.max(0, Math.min(data.length - 1, i));
    const middleSec = (data.startSec[keyboardIdx]! + data.endMs[keyboardIdx]! / 1000) / 2;
    const value = data.sums[keyboardIdx];
    shownPlot.setCursor({ left: shownPlot.valToPos(middleSec, 'x'), top: shownPlot.valToPos(value ?? 0, 'y') });
    onReadout(describe(data, timeZone, keyboardIdx));
  }

  const KEY_STEPS: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };

  container.addEventListener('keydown', (event) => {
    if (plot === null || columns === null || view === null || columns.length === 0) return;
    const current = keyboardIdx ?? -1;
    const step = KEY_STEPS[event.key];
    if (step !== undefined) moveKeyboardCursor(plot, columns, view.timeZone, current < 0 ? 0 : current + step);
    else if (event.key === 'Home') moveKeyboardCursor(plot, columns, view.timeZone, 0);
    else if (event.key === 'End') moveKeyboardCursor(plot, columns, view.timeZone, columns.length - 1);
    else return;
    event.preventDefault();
  });

  new ResizeObserver(() => {
    if (plot === null) return;
    const next = size();
    if (next.width !== plot.width) plot.setSize(next);
  }).observe(container);

  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (plot !== null && columns !== null && view !== null) void render(columns, view);
  });

  function clear(): void {
    plot?.destroy();
    plot = null;
    keyboardIdx = null;
  }

  /** Draws the buckets; resolves once the canvas shows them. */
  function render(nextColumns: UsageColumns, nextView: ChartView): Promise<void> {
    clear();
    provenance.reset(); // the values may have changed (a revert, an upload)
    columns = nextColumns;
    view = nextView;
    return new Promise((resolve) => build(nextColumns, nextView, resolve));
  }

  return {
    render,
    clear,
    /** The uPlot instance (for the console and the browser tests). */
    get plot(): UPlot | null {
      return plot;
    },
  };
}

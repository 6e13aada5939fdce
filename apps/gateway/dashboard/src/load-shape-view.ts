// The "load shape" views of the shown range, from its intervals as average power (one request:
// GET /api/usage?quantity=power with buckets one interval wide): a heatmap, one row per local day
// and one column per interval of the day, coloured from the lowest to the highest power, empty
// cells where there is no reading; and the load-duration curve, the interval powers from highest
// to lowest against the share of time at or above each. Meters that do not measure energy show
// their own values instead of power. Their section's data-state (loading, ready, empty, too-long,
// error) tells tests when they are drawn.
import type UPlot from 'uplot';
// The power rule alone: the package's entry also brings gRPC code a page cannot load.
import { powerFactor, powerUnitOf } from '@meterusage/meters/power';
import { getUsage, type MeterBody, type RequestOptions, type UsageBody } from './api';
import { formatNumber, formatUsage } from './format';
import { heatmapGrid, loadDurationCurve, type HeatmapGrid } from './load-shape-data';
import type { ViewState } from './url-state';

interface LoadShapeElements {
  section: HTMLElement;
  heatmap: HTMLCanvasElement;
  heatmapCaption: HTMLElement;
  duration: HTMLElement;
  durationCaption: HTMLElement;
}

/** Most intervals drawn (a little over a year of 15-minute intervals): longer ranges are refused with a hint. */
export const MOST_SHAPE_INTERVALS = 40_000;
const INTERVAL_BUCKETS: Record<number, string> = { 900: '15m', 3600: 'hour' };

/** The usage the page already has, when its buckets are the meter's intervals: the views need no request of their own. */
export interface ShownUsage {
  bucket: string;
  quantity: string | undefined;
  body: UsageBody;
}

export function createLoadShapeView(elements: LoadShapeElements) {
  const { uPlot } = window;
  let plot: UPlot | null = null;
  let grid: HeatmapGrid | undefined;
  let curve: { sharePercent: number[]; power: number[] } | undefined;
  let unit = '';
  let seq = 0;
  let drawnWidth = 0;

  function clear(): void {
    ++seq;
    plot?.destroy();
    plot = null;
    grid = undefined;
    curve = undefined;
    elements.section.hidden = true;
  }

  function drawHeatmap(shown: HeatmapGrid): void {
    const canvas = elements.heatmap;
    const css = getComputedStyle(document.documentElement);
    const width = Math.max(1, canvas.parentElement?.clientWidth ?? 300);
    drawnWidth = width;
    const rowHeight = Math.max(2, Math.min(14, Math.floor(420 / Math.max(1, shown.dates.length))));
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(shown.dates.length * rowHeight * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${shown.dates.length * rowHeight}px`;
    const context = canvas.getContext('2d');
    if (context === null) return;
    context.scale(ratio, ratio);
    const low = parseColor(css.getPropertyValue('--heat-low'));
    const high = parseColor(css.getPropertyValue('--heat-high'));
    const missing = css.getPropertyValue('--chart-missing').trim();
    const cellWidth = width / shown.slotsPerDay;
    const span = (shown.max ?? 0) - (shown.min ?? 0);
    shown.cells.forEach((row, r) => {
      row.forEach((value, s) => {
        const share = value === null ? 0 : span === 0 ? 1 : (value - shown.min!) / span;
        context.fillStyle = value === null ? missing : mix(low, high, share);
        context.fillRect(s * cellWidth, r * rowHeight, Math.ceil(cellWidth), rowHeight);
      });
    });
  }

  function drawCurve(shown: { sharePercent: number[]; power: number[] }): void {
    plot?.destroy();
    const css = getComputedStyle(document.documentElement);
    const color = (name: string) => css.getPropertyValue(name).trim();
    const width = Math.max(1, elements.duration.clientWidth);
    const axis = { stroke: color('--muted'), grid: { stroke: color('--chart-grid'), width: 1 }, ticks: { stroke: color('--chart-grid'), width: 1 } };
    const opts: UPlot.Options = {
      width,
      height: width < 600 ? 220 : 260,
      scales: { x: { time: false, range: [0, 100] } },
      axes: [
        { ...axis, values: (_u, ticks) => ticks.map((tick) => `${tick} %`) },
        { ...axis, size: 60 },
      ],
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: 'Share of time', value: (_u, share) => (share === null ? '–' : `${formatNumber(share)} %`) },
        { label: unit, stroke: color('--chart-line'), fill: color('--chart-fill'), width: 2, value: (_u, value) => formatUsage(value, unit) },
      ],
    };
    plot = new uPlot(opts, [shown.sharePercent, shown.power], elements.duration);
  }

  /** Loads and draws both views for the shown range; failures show in the section only. */
  async function show(view: ViewState, meter: MeterBody | undefined, options: RequestOptions, shown?: ShownUsage, rangeMs?: number): Promise<void> {
    const mine = ++seq;
    elements.section.hidden = false;
    elements.section.dataset.state = 'loading';
    const bucket = meter === undefined ? undefined : INTERVAL_BUCKETS[meter.intervalSeconds];
    if (meter === undefined || bucket === undefined) {
      settle('empty', 'The load shape is drawn for meters with 15-minute or hourly intervals.');
      return;
    }
    const tooLong = `The load shape is drawn for at most ${formatNumber(MOST_SHAPE_INTERVALS)} intervals (a little over a year); pick a shorter range.`;
    // Known before asking: a longer range is not downloaded only to be refused.
    if (rangeMs !== undefined && rangeMs / (meter.intervalSeconds * 1000) > MOST_SHAPE_INTERVALS) {
      settle('too-long', tooLong);
      return;
    }
    const powerUnit = powerUnitOf(meter.unit);
    performance.mark('dashboard:shape-requested');
    try {
      // The chart's own buckets when they are the meter's intervals (energy is scaled to power as
      // grpc-server scales it, by the same factor); otherwise one request of interval buckets.
      const reuse = shown !== undefined && shown.bucket === bucket;
      const usage = reuse
        ? shown.body
        : await getUsage({ ...view, bucket, quantity: powerUnit === undefined ? undefined : 'power', compare: undefined }, options);
      if (mine !== seq) return;
      const factor = reuse && powerUnit !== undefined && shown.quantity !== 'power' ? powerFactor(meter.intervalSeconds) : 1;
      const columns = usage.columns ?? {};
      const startMs = columns.startMs ?? [];
      if (startMs.length > MOST_SHAPE_INTERVALS) {
        settle('too-long', tooLong);
        return;
      }
      const values = (columns.sum ?? []).map((value, i) => ((columns.presentCount?.[i] ?? 0) > 0 && value !== null ? value * factor : null));
      unit = powerUnit ?? meter.unit;
      grid = heatmapGrid({ startMs, power: values }, view.tz, meter.intervalSeconds / 60);
      curve = loadDurationCurve(values);
      if (curve.power.length === 0) {
        settle('empty', 'No readings in this range.');
        return;
      }
      drawHeatmap(grid);
      drawCurve(curve);
      const what = powerUnit === undefined ? 'Usage' : 'Average power';
      elements.heatmapCaption.textContent =
        `${what} per ${meter.intervalSeconds / 60}-minute interval (${view.tz}), one row per local day from ${grid.dates[0]} to ${grid.dates.at(-1)}, ` +
        `from ${formatUsage(grid.min, unit)} (lightest) to ${formatUsage(grid.max, unit)} (darkest); empty cells have no reading.`;
      elements.durationCaption.textContent =
        `The ${formatNumber(curve.power.length)} interval values from highest to lowest: ${formatUsage(curve.power[0], unit)} at the top, ` +
        `${formatUsage(curve.power[Math.floor(curve.power.length / 2)], unit)} or more half of the time.`;
      elements.section.dataset.state = 'ready';
      performance.mark('dashboard:shape-drawn', { detail: { intervals: startMs.length } });
    } catch (error) {
      if (mine !== seq || (error instanceof DOMException && error.name === 'AbortError')) return;
      settle('error', `The load shape could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    }

    function settle(state: string, message: string): void {
      plot?.destroy();
      plot = null;
      grid = undefined;
      curve = undefined;
      elements.heatmap.width = 0;
      elements.heatmap.height = 0;
      elements.heatmapCaption.textContent = message;
      elements.durationCaption.textContent = '';
      elements.section.dataset.state = state;
    }
  }

  new ResizeObserver(() => {
    if (grid !== undefined && elements.heatmap.parentElement?.clientWidth !== drawnWidth) drawHeatmap(grid);
    if (plot !== null && curve !== undefined && elements.duration.clientWidth !== plot.width) drawCurve(curve);
  }).observe(elements.section);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (grid !== undefined) drawHeatmap(grid);
    if (curve !== undefined) drawCurve(curve);
  });

  return {
    show,
    clear,
    /** What the heatmap draws (for the console and the browser tests). */
    get heatmap(): HeatmapGrid | undefined {
      return grid;
    },
    get durationChart(): UPlot | null {
      return plot;
    },
  };
}

/** "#rrggbb" as its channels. */
function parseColor(text: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})$/i.exec(text.trim())?.[1] ?? '808080';
  return [0, 2, 4].map((at) => parseInt(hex.slice(at, at + 2), 16)) as [number, number, number];
}

function mix(low: [number, number, number], high: [number, number, number], share: number): string {
  const channel = (index: number) => Math.round(low[index]! + (high[index]! - low[index]!) * share);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

// The usage chart: uPlot (the global from /vendor/uplot/uPlot.iife.min.js) drawing each bucket
// as a step over its own [start, end), so missing buckets are gaps (never zeros), partly
// missing ones are marked, and buckets the range cuts are hatched. Drag to zoom, arrow keys to read buckets, legend shows start–end.
import { formatPresence, formatSpan, formatUsage } from './format.js';
import { bucketIndexAt } from './usage-data.js';

const { uPlot } = window;

/** Draws one step per bucket with a value, joined where buckets touch; nulls break the line and the fill. */
function bucketSteps(columns) {
  return (u, seriesIdx, idx0, idx1) => {
    const stroke = new Path2D();
    const fill = new Path2D();
    const values = u.data[seriesIdx];
    const baseline = u.valToPos(0, 'y', true);
    let runEndX = null;
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
      const left = u.valToPos(columns.startSec[i], 'x', true);
      const right = u.valToPos(columns.endMs[i] / 1000, 'x', true);
      const top = u.valToPos(value, 'y', true);
      const touchesPrevious = runEndX !== null && columns.endMs[i - 1] === columns.startSec[i] * 1000;
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
    return { stroke, fill, clip: null, flags: 0 };
  };
}

/** A small tile of one diagonal line, repeated as the hatching of clipped buckets. */
function hatchTile(color) {
  const size = Math.round(8 * uPlot.pxRatio);
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const ctx = tile.getContext('2d');
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
function missingDataPlugin(columns, colors) {
  const span = (u, i) => {
    const left = u.valToPos(columns.startSec[i], 'x', true);
    const right = u.valToPos(columns.endMs[i] / 1000, 'x', true);
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
          ctx.fillStyle = ctx.createPattern(hatchTile(colors.clipped), 'repeat');
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

function cssColors() {
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  return {
    line: color('--chart-line'),
    fill: color('--chart-fill'),
    grid: color('--chart-grid'),
    axis: color('--muted'),
    missing: color('--chart-missing'),
    partial: color('--chart-partial'),
    clipped: color('--chart-clipped'),
  };
}

/**
 * @param {HTMLElement} container  focusable element the chart is drawn into
 * @param {{ onZoom(range: { fromMs: number, toMs: number }): void, onReadout(text: string): void }} callbacks
 */
export function createUsageChart(container, { onZoom, onReadout }) {
  let plot = null;
  let columns = null;
  let view = null;
  let keyboardIdx = null;

  const size = () => {
    const width = Math.max(1, container.clientWidth);
    return { width, height: width < 600 ? 260 : 360 };
  };

  /** The bucket under the cursor, as the legend and the keyboard read-out say it. */
  function describe(i) {
    const when = formatSpan(columns.startSec[i] * 1000, columns.endMs[i], view.timeZone);
    return `${when}: ${describeValue(i)}`;
  }

  function describeValue(i) {
    const present = columns.present[i];
    const expected = columns.expected[i];
    const cut = columns.clipped[i] ? ', cut by the range (only the part inside counted)' : '';
    if (present === 0) return `missing (${formatPresence(0, expected)} intervals)${cut}`;
    const value = formatUsage(columns.sums[i], columns.unit);
    return present < expected ? `${value}, partly missing (${formatPresence(present, expected)} intervals)${cut}` : `${value}${cut}`;
  }

  function zoomToSelection(u) {
    if (u.select.width < 3) return;
    const fromSec = u.posToVal(u.select.left, 'x');
    const toSec = u.posToVal(u.select.left + u.select.width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    let first = bucketIndexAt(columns, fromSec);
    let last = bucketIndexAt(columns, toSec);
    if (first < 0) first = 0;
    if (last < 0) last = columns.length - 1;
    // Whole buckets only: the new range starts and ends on bucket boundaries.
    onZoom({ fromMs: columns.startSec[first] * 1000, toMs: columns.endMs[last] });
  }

  function build(resolveDrawn) {
    const colors = cssColors();
    const axis = {
      stroke: colors.axis,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1 },
    };
    const xMin = columns.startSec[0];
    const xMax = columns.endMs[columns.length - 1] / 1000;
    let drawn = false;
    const opts = {
      ...size(),
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), view.timeZone),
      scales: {
        x: { time: true, range: () => [xMin, xMax] },
        y: {
          range: (u, min, max) => (min === null || max === null ? [0, 1] : uPlot.rangeNum(Math.min(0, min), max, 0.1, true)),
        },
      },
      series: [
        { label: view.timeZone, value: (u, seconds, si, i) => (i === null || i === undefined ? '—' : formatSpan(seconds * 1000, columns.endMs[i], view.timeZone)) },
        {
          label: `Usage (${columns.unit} ${view.per})`,
          stroke: colors.line,
          fill: colors.fill,
          width: 1.5,
          spanGaps: false,
          paths: bucketSteps(columns),
          points: { show: false },
          value: (u, value, si, i) => (i === null || i === undefined ? '—' : describeValue(i)),
        },
      ],
      axes: [
        { ...axis, label: `Time (${view.timeZone})` },
        { ...axis, label: `${columns.unit} ${view.per}`, size: (u, values) => 24 + 8 * Math.max(3, ...(values ?? []).map((text) => String(text).length)) },
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { show: false },
        dataIdx: (u, seriesIdx, closestIdx, seconds) => {
          const i = bucketIndexAt(columns, seconds);
          return i < 0 ? closestIdx : i;
        },
      },
      legend: { live: true },
      hooks: {
        setSelect: [zoomToSelection],
        draw: [
          () => {
            if (drawn) return;
            drawn = true;
            resolveDrawn();
          },
        ],
      },
      plugins: [missingDataPlugin(columns, colors)],
    };
    plot = new uPlot(opts, [columns.startSec, columns.sums], container);
  }

  function moveKeyboardCursor(i) {
    keyboardIdx = Math.max(0, Math.min(columns.length - 1, i));
    const middleSec = (columns.startSec[keyboardIdx] + columns.endMs[keyboardIdx] / 1000) / 2;
    const value = columns.sums[keyboardIdx];
    plot.setCursor({ left: plot.valToPos(middleSec, 'x'), top: plot.valToPos(value ?? 0, 'y') });
    onReadout(describe(keyboardIdx));
  }

  container.addEventListener('keydown', (event) => {
    if (plot === null || columns.length === 0) return;
    const current = keyboardIdx ?? -1;
    const steps = { ArrowRight: 1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
    if (event.key in steps) moveKeyboardCursor(current < 0 ? 0 : current + steps[event.key]);
    else if (event.key === 'Home') moveKeyboardCursor(0);
    else if (event.key === 'End') moveKeyboardCursor(columns.length - 1);
    else return;
    event.preventDefault();
  });

  new ResizeObserver(() => {
    if (plot === null) return;
    const next = size();
    if (next.width !== plot.width) plot.setSize(next);
  }).observe(container);

  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (plot !== null) render(columns, view);
  });

  function clear() {
    plot?.destroy();
    plot = null;
    keyboardIdx = null;
  }

  /** Draws the buckets; resolves once the canvas shows them. */
  function render(nextColumns, nextView) {
    clear();
    columns = nextColumns;
    view = nextView;
    return new Promise((resolve) => build(resolve));
  }

  return {
    render,
    clear,
    /** The uPlot instance (for the console and the browser tests). */
    get plot() {
      return plot;
    },
  };
}

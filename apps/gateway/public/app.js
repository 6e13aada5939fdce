'use strict';

// Meter usage dashboard: fetches GET /api/metrics once per load and shows a uPlot chart, summary
// figures and a paged table. Plain browser script, no build step; uPlot is the global `uPlot`
// from /vendor/uplot/. The pure functions at the top take no DOM and can be unit-tested in Node.

/** Each reading's `time` labels the END of a 15-minute interval. */
const INTERVAL_MS = 15 * 60 * 1000;
const PAGE_SIZE = 100;
/** Longer than the gateway's own deadline, so its 504 body (with a message) normally wins. */
const FETCH_TIMEOUT_MS = 20000;

// `undefined` locale = the browser's; dates also render in the browser's time zone.
const kwhFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const countFormat = new Intl.NumberFormat(undefined);
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

// ---------------------------------------------------------------- pure functions

/** Turns the API body into `{ time, endMs, usageKwh }` readings; throws on a body of the wrong shape. */
function parseReadings(body) {
  if (!Array.isArray(body)) throw new Error('unexpected response from the gateway');
  return body.map((item, index) => {
    const time = item && item.time;
    const usageKwh = item ? item.meterusage : undefined;
    const endMs = typeof time === 'string' ? Date.parse(time) : NaN;
    if (Number.isNaN(endMs) || !(usageKwh === null || Number.isFinite(usageKwh))) {
      throw new Error(`unexpected reading #${index + 1} from the gateway`);
    }
    return { time, endMs, usageKwh };
  });
}

/** Reads the message out of an error body `{"error":{"code","message"}}`, falling back to the status. */
function errorMessage(status, body) {
  const message = body && body.error && body.error.message;
  return typeof message === 'string' && message !== '' ? `${message} (HTTP ${status})` : `HTTP ${status}`;
}

/** Count, missing count, total of present values and the first highest reading (null if none). */
function summarize(readings) {
  let missing = 0;
  let totalKwh = 0;
  let peak = null;
  for (const reading of readings) {
    if (reading.usageKwh === null) {
      missing += 1;
      continue;
    }
    totalKwh += reading.usageKwh;
    if (peak === null || reading.usageKwh > peak.usageKwh) peak = reading;
  }
  return { count: readings.length, missing, totalKwh, peak };
}

/** "55.09" for a value; "missing" for null, so a gap can never read as 0. */
function formatKwh(usageKwh) {
  return usageKwh === null ? 'missing' : kwhFormat.format(usageKwh);
}

/** "Jan 1, 2019, 12:00 AM – 12:15 AM" in local time, from the interval's end instant. */
function formatInterval(endMs) {
  return `${dateTimeFormat.format(endMs - INTERVAL_MS)} – ${timeFormat.format(endMs)}`;
}

/** uPlot's aligned data: x in seconds (uPlot's default unit), y with null left in place. */
function toChartData(readings) {
  return [readings.map((r) => r.endMs / 1000), readings.map((r) => r.usageKwh)];
}

/** Zero-based y range: an axis starting above zero exaggerates swings in usage. */
function usageRange(min, max) {
  if (min === null || max === null) return [0, 1]; // every reading missing
  return uPlot.rangeNum(Math.min(0, min), max, 0.1, true);
}

// ---------------------------------------------------------------- page

function startDashboard() {
  const el = {
    status: document.getElementById('status'),
    retry: document.getElementById('retry'),
    timezone: document.getElementById('timezone'),
    summary: document.getElementById('summary'),
    chartSection: document.getElementById('chart-section'),
    chart: document.getElementById('chart'),
    tableSection: document.getElementById('table-section'),
    tableScroll: document.querySelector('#table-section .table-scroll'),
    tbody: document.querySelector('#readings-table tbody'),
    pagePrev: document.getElementById('page-prev'),
    pageNext: document.getElementById('page-next'),
    pageInfo: document.getElementById('page-info'),
  };
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const darkScheme = window.matchMedia('(prefers-color-scheme: dark)');

  let readings = [];
  let page = 0;
  let chart = null;
  let loadSeq = 0; // a retry supersedes an older, still-pending load
  let retryWasFocused = false;

  el.timezone.textContent = timeZone;

  function showState(state, text) {
    el.status.dataset.state = state;
    el.status.textContent = text;
    el.retry.hidden = state !== 'error';
    for (const section of [el.summary, el.chartSection, el.tableSection]) section.hidden = state !== 'ready';
    if (state !== 'ready') destroyChart(); // a hidden chart has no width to size itself to
  }

  async function fetchReadings() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    const timedOut = () => new Error(`gateway did not answer within ${FETCH_TIMEOUT_MS / 1000} s`);
    try {
      let response;
      try {
        response = await fetch('/api/metrics', {
          headers: { Accept: 'application/json' },
          cache: 'no-store',
          signal: controller.signal,
        });
      } catch {
        // fetch only rejects when no HTTP response arrived at all.
        throw controller.signal.aborted ? timedOut() : new Error('gateway unreachable');
      }
      const body = await response.json().catch(() => undefined); // non-JSON bodies are judged below
      if (controller.signal.aborted) throw timedOut();
      if (!response.ok) throw new Error(errorMessage(response.status, body));
      return parseReadings(body);
    } finally {
      clearTimeout(timer);
    }
  }

  async function load() {
    const seq = ++loadSeq;
    showState('loading', 'Loading readings…');
    let loaded;
    try {
      loaded = await fetchReadings();
    } catch (err) {
      if (seq !== loadSeq) return;
      showState('error', `Could not load readings: ${err.message}`);
      // Retry was hidden while loading, which drops focus; give it back to keyboard users.
      if (retryWasFocused) el.retry.focus();
      return;
    }
    if (seq !== loadSeq) return;
    retryWasFocused = false;
    readings = loaded;
    if (readings.length === 0) {
      showState('empty', 'No readings.');
      return;
    }
    const first = readings[0];
    const last = readings[readings.length - 1];
    showState('ready', `${countFormat.format(readings.length)} ${readings.length === 1 ? 'reading' : 'readings'}, `
      + `${dateTimeFormat.format(first.endMs - INTERVAL_MS)} to ${dateTimeFormat.format(last.endMs)}`);
    renderSummary(summarize(readings));
    renderPage(0);
    buildChart(); // after the section is unhidden, so the container has a width
  }

  function renderSummary(summary) {
    const set = (key, text, value) => {
      const dd = el.summary.querySelector(`[data-summary="${key}"]`);
      dd.textContent = text;
      dd.dataset.value = String(value); // locale-independent value for tests and scripts
    };
    set('count', countFormat.format(summary.count), summary.count);
    set('missing', countFormat.format(summary.missing), summary.missing);
    set('total', `${kwhFormat.format(summary.totalKwh)} kWh`, summary.totalKwh.toFixed(2));
    if (summary.peak === null) {
      set('peak', '—', '');
      return;
    }
    const { usageKwh, time, endMs } = summary.peak;
    set('peak', `${formatKwh(usageKwh)} kWh`, usageKwh);
    const when = document.createElement('time');
    when.dateTime = time;
    when.textContent = formatInterval(endMs);
    el.summary.querySelector('[data-summary="peak"]').append(' ', when);
  }

  function readingRow(reading) {
    const row = document.createElement('tr');
    const timeCell = document.createElement('th');
    timeCell.scope = 'row';
    const time = document.createElement('time');
    time.dateTime = reading.time;
    time.textContent = formatInterval(reading.endMs);
    timeCell.append(time);
    const usageCell = document.createElement('td');
    usageCell.className = reading.usageKwh === null ? 'num missing' : 'num';
    usageCell.textContent = formatKwh(reading.usageKwh);
    if (reading.usageKwh === null) row.dataset.missing = 'true';
    row.append(timeCell, usageCell);
    return row;
  }

  function renderPage(requested) {
    const pageCount = Math.max(1, Math.ceil(readings.length / PAGE_SIZE));
    page = Math.min(Math.max(0, requested), pageCount - 1);
    const start = page * PAGE_SIZE;
    const shown = readings.slice(start, start + PAGE_SIZE);
    el.tbody.replaceChildren(...shown.map(readingRow));
    el.tableScroll.scrollTop = 0; // a new page starts at its first row, not where the last one was scrolled
    el.pageInfo.textContent = `Page ${page + 1} of ${pageCount} · readings `
      + `${countFormat.format(start + 1)}–${countFormat.format(start + shown.length)} `
      + `of ${countFormat.format(readings.length)}`;
    // aria-disabled, not disabled: a disabled button drops keyboard focus at the first/last page.
    // The click handlers ignore presses past either end.
    el.pagePrev.setAttribute('aria-disabled', String(page === 0));
    el.pageNext.setAttribute('aria-disabled', String(page === pageCount - 1));
  }

  function chartSize() {
    const width = Math.max(1, el.chart.clientWidth);
    return { width, height: width < 600 ? 240 : 340 };
  }

  function destroyChart() {
    if (chart !== null) chart.destroy();
    chart = null;
  }

  // Canvas colours cannot use CSS variables directly, so read them now (and again on theme change).
  function buildChart() {
    destroyChart();
    const css = getComputedStyle(document.documentElement);
    const color = (name) => css.getPropertyValue(name).trim();
    const axis = (label) => ({
      label,
      stroke: color('--muted'),
      grid: { stroke: color('--chart-grid'), width: 1 },
      ticks: { stroke: color('--chart-grid'), width: 1 },
    });
    const opts = {
      ...chartSize(),
      series: [
        {
          label: 'Interval',
          value: (u, seconds, _i, idx) => (idx == null ? '—' : formatInterval(seconds * 1000)),
        },
        {
          label: 'Usage',
          stroke: color('--chart-line'),
          width: 1.5,
          spanGaps: false, // null must break the line: a missing reading is not a zero
          value: (u, usageKwh, _i, idx) => (idx == null ? '—' : usageKwh === null ? 'missing' : `${formatKwh(usageKwh)} kWh`),
        },
      ],
      scales: { y: { range: (u, min, max) => usageRange(min, max) } },
      axes: [axis(`Time (${timeZone})`), { ...axis('Usage per 15 min (kWh)'), size: 56 }],
      plugins: [missingIntervalsPlugin(color('--chart-missing'))],
    };
    chart = new uPlot(opts, toChartData(readings), el.chart);
  }

  // One missing reading among ~3,000 is a sub-pixel break in the line; shade its interval so it can be found.
  function missingIntervalsPlugin(fill) {
    const missingIdxs = [];
    readings.forEach((r, i) => { if (r.usageKwh === null) missingIdxs.push(i); });
    return {
      hooks: {
        drawAxes: (u) => { // drawn under the series line
          const { ctx, bbox } = u;
          const minWidth = 3 * uPlot.pxRatio;
          ctx.save();
          ctx.beginPath();
          ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
          ctx.clip();
          ctx.fillStyle = fill;
          for (const i of missingIdxs) {
            const endSeconds = u.data[0][i];
            const left = u.valToPos(endSeconds - INTERVAL_MS / 1000, 'x', true);
            const right = u.valToPos(endSeconds, 'x', true);
            const width = Math.max(right - left, minWidth);
            ctx.fillRect((left + right - width) / 2, bbox.top, width, bbox.height);
          }
          ctx.restore();
        },
      },
    };
  }

  // Only width drives the size (height follows it), so the chart's own growth cannot loop here.
  new ResizeObserver(() => {
    if (chart === null) return;
    const size = chartSize();
    if (size.width !== chart.width) chart.setSize(size);
  }).observe(el.chart);

  darkScheme.addEventListener('change', () => {
    if (chart !== null) buildChart();
  });

  el.retry.addEventListener('click', () => {
    retryWasFocused = document.activeElement === el.retry;
    load();
  });
  el.pagePrev.addEventListener('click', () => {
    if (page > 0) renderPage(page - 1);
  });
  el.pageNext.addEventListener('click', () => {
    if ((page + 1) * PAGE_SIZE < readings.length) renderPage(page + 1);
  });

  load();
}

if (typeof document !== 'undefined') {
  startDashboard();
} else if (typeof module === 'object' && module.exports) {
  // Lets Node unit tests require the pure functions without a DOM.
  module.exports = { INTERVAL_MS, parseReadings, errorMessage, summarize, formatKwh, formatInterval, toChartData };
}

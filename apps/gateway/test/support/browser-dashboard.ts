// Reading the dashboard in a test: its data-state/data-loads attributes say when a view is
// complete, data-value attributes hold raw numbers, and window.dashboard exposes the chart.
// Every function that runs inside the page lives here.
import type { Page } from 'playwright-core';

export type DashboardState = 'loading' | 'ready' | 'empty' | 'error';

// The gateway's tsconfig is Node's (no DOM lib, and adding it clashes with Node's stream types),
// so the in-page callbacks below see just enough of the DOM, declared for this module only.
interface PageElement {
  id: string;
  hidden: boolean;
  textContent: string | null;
  outerHTML: string;
  dataset: Record<string, string | undefined>;
  labels?: ArrayLike<unknown> | null;
  cells?: ArrayLike<PageElement>;
  getAttribute(name: string): string | null;
  querySelector(selectors: string): PageElement | null;
  querySelectorAll(selectors: string): ArrayLike<PageElement>;
}
declare const document: {
  activeElement: PageElement | null;
  body: PageElement;
  documentElement: { scrollWidth: number; clientWidth: number };
  getElementById(id: string): PageElement | null;
  querySelector(selectors: string): PageElement | null;
  querySelectorAll(selectors: string): ArrayLike<PageElement>;
};
declare const window: { dashboard: { readonly chart: { data: Array<ArrayLike<number | null>> } | null } };
declare function getComputedStyle(element: PageElement): { backgroundColor: string };
declare const performance: {
  getEntriesByName(name: string): Array<{ startTime: number }>;
  getEntriesByType(type: string): Array<{ name: string; startTime: number; responseEnd: number; encodedBodySize: number }>;
};

async function currentState(page: Page): Promise<DashboardState> {
  return (await page.locator('#dashboard').getAttribute('data-state')) as DashboardState;
}

/** Waits until the page finished a load (ready, empty or error) and returns that state. */
export async function settled(page: Page): Promise<DashboardState> {
  await page.waitForFunction(() => {
    const main = document.getElementById('dashboard');
    return main?.dataset.loads !== undefined && main.dataset.state !== 'loading';
  });
  return currentState(page);
}

/** Runs an action that starts a load and waits for that load (not an earlier one) to finish. */
export async function afterNextLoad(page: Page, action: () => Promise<unknown>): Promise<DashboardState> {
  const before = await page.locator('#dashboard').getAttribute('data-loads');
  await action();
  await page.waitForFunction((previous) => {
    const main = document.getElementById('dashboard');
    return main?.dataset.loads !== previous && main?.dataset.state !== 'loading';
  }, before);
  return currentState(page);
}

/** Navigates to a path of the gateway and waits for the view. */
export async function openDashboard(page: Page, baseUrl: string, pathAndQuery = '/'): Promise<DashboardState> {
  await page.goto(`${baseUrl}${pathAndQuery}`);
  return settled(page);
}

/** The page URL's query as an object. */
export function urlQuery(page: Page): Record<string, string> {
  return Object.fromEntries(new URL(page.url()).searchParams);
}

export interface Cards {
  total: number | undefined;
  mean: number | undefined;
  peak: number | undefined;
  peakText: string;
  /** Undefined (and the card hidden) for a meter that is not an energy meter. */
  peakDemand: number | undefined;
  peakDemandText: string;
  baseLoad: number | undefined;
  missing: number;
  present: number;
  expected: number;
}

/** The summary cards' raw values (data-value) and the peak's interval text. */
export async function readCards(page: Page): Promise<Cards> {
  return page.evaluate(() => {
    const card = (key: string) => document.querySelector(`[data-summary="${key}"]`)!;
    const number = (key: string) => {
      const value = card(key).dataset.value;
      return value === undefined || value === '' ? undefined : Number(value);
    };
    const missing = card('missing');
    return {
      total: number('total'),
      mean: number('mean'),
      peak: number('peak'),
      peakText: card('peak').querySelector('.card-detail')?.textContent ?? '',
      peakDemand: card('peak-demand').hidden ? undefined : number('peak-demand'),
      peakDemandText: card('peak-demand').querySelector('.card-value')?.textContent ?? '',
      baseLoad: card('base-load').hidden ? undefined : number('base-load'),
      missing: Number(missing.dataset.value),
      present: Number(missing.dataset.present),
      expected: Number(missing.dataset.expected),
    };
  });
}

export interface ChartData {
  length: number;
  /** x values: bucket starts in epoch seconds. */
  startsSec: number[];
  values: Array<number | null>;
  nullIdxs: number[];
}

/** What uPlot was given to draw. */
export async function readChart(page: Page): Promise<ChartData> {
  return page.evaluate(() => {
    const chart = window.dashboard.chart;
    if (chart === null) throw new Error('no chart on the page');
    const startsSec = Array.from(chart.data[0]!, (x) => x as number);
    const values = Array.from(chart.data[1]!);
    const nullIdxs: number[] = [];
    values.forEach((value, index) => {
      if (value === null) nullIdxs.push(index);
    });
    return { length: startsSec.length, startsSec, values, nullIdxs };
  });
}

/** The status box: its title and message, and the kind of error (network, unavailable, invalid …). */
export async function readStatus(page: Page): Promise<{ state: DashboardState; kind: string; text: string; retryVisible: boolean }> {
  return page.evaluate(() => {
    const box = document.getElementById('status')!;
    return {
      state: document.getElementById('dashboard')!.dataset.state as DashboardState,
      kind: box.dataset.kind ?? '',
      text: `${document.getElementById('status-title')!.textContent} ${document.getElementById('status-message')!.textContent}`.trim(),
      retryVisible: !document.getElementById('retry')!.hidden,
    };
  });
}

/** The id and preset of the focused element. */
export async function focused(page: Page): Promise<{ id: string; preset: string }> {
  return page.evaluate(() => ({ id: document.activeElement?.id ?? '', preset: document.activeElement?.dataset.preset ?? '' }));
}

/** Controls without an accessible name (a label, aria-label(ledby) or text), as HTML snippets. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, button, a[href], [tabindex="0"]'))
      .filter((element) => {
        const hasLabel = element.labels !== undefined && element.labels !== null && element.labels.length > 0;
        const hasAria = Boolean(element.getAttribute('aria-label') || element.getAttribute('aria-labelledby'));
        return !hasLabel && !hasAria && (element.textContent ?? '').trim() === '';
      })
      .map((element) => element.outerHTML.slice(0, 80)),
  );
}

/** Pixels the page is wider than the viewport (0 = no horizontal scrolling). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export async function bodyBackground(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

export interface UploadReport {
  state: string;
  heading: string;
  counts: Record<string, number>;
  /** [line, field, reason] of each listed rejection. */
  rejections: string[][];
}

export async function readUploadReport(page: Page): Promise<UploadReport> {
  return page.evaluate(() => {
    const report = document.getElementById('upload-report')!;
    const counts: Record<string, number> = {};
    for (const item of Array.from(report.querySelectorAll('[data-count]'))) counts[item.dataset.count!] = Number(item.dataset.value);
    const rejections = Array.from(report.querySelectorAll('table.rejections tbody tr')).map((row) =>
      Array.from(row.cells ?? [], (cell) => cell.textContent ?? ''),
    );
    return { state: report.dataset.state ?? '', heading: report.querySelector('h3')?.textContent ?? '', counts, rejections };
  });
}

/**
 * Navigation start → the first chart drawn (the page's performance mark), how long /api/usage
 * took, and the page's own work from that response to the drawn chart (parse, columns, cards, table, uPlot).
 */
export async function chartTiming(page: Page): Promise<{ drawnMs: number; usageMs: number; usageBytes: number; afterDataMs: number }> {
  return page.evaluate(() => {
    const drawn = performance.getEntriesByName('dashboard:chart-drawn')[0]!;
    const usage = performance.getEntriesByType('resource').find((entry) => entry.name.includes('/api/usage'))!;
    return {
      drawnMs: drawn.startTime,
      usageMs: usage.responseEnd - usage.startTime,
      usageBytes: usage.encodedBodySize,
      afterDataMs: drawn.startTime - usage.responseEnd,
    };
  });
}

/** The page's requests so far, in the order they started: path and query, start and response end (ms from navigation). */
export async function apiRequests(page: Page): Promise<{ path: string; startMs: number; endMs: number }[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.includes('/api/'))
      .map((entry) => ({ path: entry.name.slice(entry.name.indexOf('/api/')), startMs: entry.startTime, endMs: entry.responseEnd })),
  );
}

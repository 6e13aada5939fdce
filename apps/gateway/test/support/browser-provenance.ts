// Reading the dashboard's provenance views in a test: the uploads panel (rows, details, the
// revert's preview and result), the chart's estimated/edited series and its tooltip. Counts are
// read from data-count/data-value, series from the uPlot instance (window.dashboard.chart).
import type { Page } from 'playwright-core';

// Just enough of the page's uPlot for the in-page callbacks (the gateway's tsconfig has no DOM lib).
interface PagePlot {
  series: Array<{ label?: string; show?: boolean; stroke?: unknown; dash?: number[] }>;
  data: Array<ArrayLike<number | null>>;
  valToPos(value: number, scale: string): number;
}
declare const window: { dashboard: { readonly chart: PagePlot | null } };

export interface UploadRow {
  uploadId: string;
  source: string;
  /** Committed, source, caller, file, inserted, updated: as the cells show them. */
  cells: string[];
}

/** The uploads panel's state and its rows, top to bottom. */
export async function readUploadRows(page: Page): Promise<UploadRow[]> {
  const rows = page.locator('#uploads-table tbody tr');
  const result: UploadRow[] = [];
  for (let index = 0; index < (await rows.count()); index++) {
    const row = rows.nth(index);
    result.push({
      uploadId: (await row.getAttribute('data-upload-id')) ?? '',
      source: (await row.getAttribute('data-source')) ?? '',
      cells: await row.locator('td').allTextContents(),
    });
  }
  return result;
}

/** Waits until the uploads panel finished loading (and, if given, until its first row is that upload). */
export async function uploadsReady(page: Page, firstUploadId?: string): Promise<void> {
  const first = firstUploadId === undefined ? '' : ` #uploads-table tbody tr:first-child[data-upload-id="${firstUploadId}"]`;
  await page.waitForSelector(`#uploads-section[data-state="ready"]${first}`);
}

/** The counts of a .report-counts list under `selector`: data-count → data-value. */
export async function readCounts(page: Page, selector: string): Promise<Record<string, number>> {
  const items = page.locator(`${selector} > .report-counts [data-count]`);
  const counts: Record<string, number> = {};
  for (let index = 0; index < (await items.count()); index++) {
    const item = items.nth(index);
    counts[(await item.getAttribute('data-count'))!] = Number(await item.getAttribute('data-value'));
  }
  return counts;
}

/** Opens an upload's details by its row's button. */
export async function chooseUpload(page: Page, uploadId: string): Promise<void> {
  await page.click(`#uploads-table tr[data-upload-id="${uploadId}"] .upload-select`);
  await page.waitForSelector(`#upload-details[data-upload-id="${uploadId}"]`);
}

/** Waits for the revert's panel to reach a state (preview, done, error) and returns its counts and text. */
export async function revertPanel(page: Page, state: 'preview' | 'done' | 'error'): Promise<{ counts: Record<string, number>; heading: string; text: string }> {
  await page.waitForSelector(`#upload-details .revert-flow[data-state="${state}"]`);
  const panel = '#upload-details .revert-panel';
  return {
    counts: await readCounts(page, panel),
    heading: (await page.locator(`${panel} h4`).textContent()) ?? '',
    text: (await page.locator(panel).textContent()) ?? '',
  };
}

export interface QualitySeries {
  labels: string[];
  dashes: Array<number[] | null>;
  /** Per bucket: the sum where the bucket holds estimated (edited) values, else null. */
  estimated: Array<number | null>;
  edited: Array<number | null>;
}

/** The estimated and edited series uPlot draws over the usage line. */
export async function readQualitySeries(page: Page): Promise<QualitySeries> {
  return page.evaluate(() => {
    const chart = window.dashboard.chart;
    if (chart === null) throw new Error('no chart on the page');
    return {
      labels: chart.series.map((series) => series.label ?? ''),
      dashes: chart.series.map((series) => series.dash ?? null),
      estimated: Array.from(chart.data[2]!),
      edited: Array.from(chart.data[3]!),
    };
  });
}

/** Moves the mouse to the middle of bucket `index` (at half the plot's height). */
export async function hoverBucket(page: Page, index: number): Promise<void> {
  await page.locator('#chart').scrollIntoViewIfNeeded(); // on a phone the chart starts below the fold
  const box = (await page.locator('#chart .u-over').boundingBox())!;
  const x = await page.evaluate((i) => {
    const chart = window.dashboard.chart!;
    const start = chart.data[0]![i]!;
    const end = i + 1 < chart.data[0]!.length ? chart.data[0]![i + 1]! : start + 900;
    return chart.valToPos((start + end) / 2, 'x');
  }, index);
  await page.mouse.move(box.x + x, box.y + box.height / 2);
}

/** The tooltip's lines once its quality line has settled (an answer, or counts). */
export async function readTooltip(page: Page, index: number): Promise<{ when: string; value: string; quality: string; state: string }> {
  await page.waitForSelector(`#chart-tooltip[data-index="${index}"]:not([hidden]) .tooltip-quality:not([data-state="loading"])`);
  const line = async (name: string) => (await page.locator(`#chart-tooltip .tooltip-${name}`).textContent()) ?? '';
  return {
    when: await line('when'),
    value: await line('value'),
    quality: await line('quality'),
    state: (await page.locator('#chart-tooltip .tooltip-quality').getAttribute('data-state')) ?? '',
  };
}

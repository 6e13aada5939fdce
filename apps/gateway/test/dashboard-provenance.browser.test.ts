import { BrowserPages, screenshot, type PageOptions, type TestPage } from './support/browser';
import { afterNextLoad, horizontalOverflow, openDashboard, readCards, readChart } from './support/browser-dashboard';
import { chooseUpload, hoverBucket, readCounts, readQualitySeries, readTooltip, readUploadRows, revertPanel, uploadsReady } from './support/browser-provenance';
import { startHttpStack, type HttpStack } from './support/http-stack';

jest.setTimeout(120_000);

interface IngestReportJson {
  committed: boolean;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  rejected: number;
  uploadId?: string;
}
interface UploadJson {
  uploadId: string;
  source: string;
  caller: string;
  fileName?: string;
  report: IngestReportJson;
  estimate?: { gaps: number; estimated: number; leftEmpty: number };
}
interface RevertJson {
  dryRun: boolean;
  restored: number;
  removed: number;
  unchanged: number;
  conflicts: number;
  forced: number;
  uploadId?: string;
}
interface ReadingJson {
  start: string;
  usage?: number;
  quality: string;
  uploadId?: string;
}

/** The words the dashboard uses for the API's qualities. */
const QUALITY_WORDS: Record<string, string> = {
  READING_QUALITY_MEASURED: 'actual',
  READING_QUALITY_ESTIMATED: 'estimated',
  READING_QUALITY_EDITED: 'edited',
};

const dayView = (day: string, bucket = '15m') => `/?meter=meter-1&from=${day}&to=${nextDay(day)}&bucket=${bucket}&tz=UTC`;
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const revertCounts = ({ restored, removed, unchanged, conflicts, forced }: RevertJson) => ({ restored, removed, unchanged, conflicts, forced });

/**
 * The dashboard's provenance views in Chromium over real gateway and grpc-server processes on a
 * fresh database (meter-1 seeded from the sample CSV, AUTH_MODE=off): the uploads panel against
 * GET /api/uploads, the revert's dry-run preview and confirmation against the API's own answers,
 * estimated and edited buckets in the chart, and the tooltip naming a reading's quality and upload.
 */
describe('dashboard provenance in Chromium over the real gateway, grpc-server and PostgreSQL', () => {
  let stack: HttpStack | undefined;
  let baseUrl: string;
  const pages = new BrowserPages();
  // Written in beforeAll: a hand edit of 2019-01-17 00:00 and an estimate of the 02:30 gap (the sample's NaN).
  const ids = { seed: '', edit: '', estimate: '' };

  async function api<Body>(path: string, init?: RequestInit): Promise<Body> {
    const response = await fetch(`${baseUrl}${path}`, init);
    const body = (await response.json()) as Body;
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
    return body;
  }
  const post = <Body>(path: string) => api<Body>(path, { method: 'POST' });
  const upload = (csv: string, query = '') =>
    api<IngestReportJson>(`/api/readings?meter=meter-1${query}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
  const uploadsOf = async (meter: string, pageSize = 1000) =>
    (await api<{ uploads: UploadJson[] }>(`/api/uploads?meter=${meter}&page_size=${pageSize}`)).uploads;
  /** The API's readings of a UTC day: [start, usage, quality, uploadId]. */
  const readingsOf = async (day: string) =>
    (await api<{ readings: ReadingJson[] }>(`/api/readings?meter=meter-1&from=${day}&to=${nextDay(day)}&page_size=10000`)).readings.map(
      (reading) => [reading.start, reading.usage ?? null, reading.quality, reading.uploadId ?? null] as const,
    );

  beforeAll(async () => {
    stack = await startHttpStack('gateway_dashboard_provenance');
    baseUrl = stack.baseUrl.origin;
    ids.seed = (await uploadsOf('meter-1')).find((record) => record.source === 'seed')!.uploadId;
    ids.edit = (await upload('time,meterusage,quality\n2019-01-17T00:15:00Z,100,edited\n', '&file_name=fix.csv')).uploadId!;
    const estimate = await post<{ uploadId?: string; estimated: number }>('/api/meters/meter-1/estimate?from=2019-01-17&to=2019-01-18&method=linear');
    expect(estimate.estimated).toBe(1);
    ids.estimate = estimate.uploadId!;
    await pages.launch();
  }, 120_000);

  afterEach(async () => {
    await pages.closePages();
  });

  afterAll(async () => {
    await pages.close();
    await stack?.close();
  });

  const newPage = (options?: PageOptions): Promise<TestPage> => pages.newPage(options);

  it("lists the meter's uploads newest first as GET /api/uploads does, shows one's details and report, and pages with More", async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, dayView('2019-01-17'))).toBe('ready');
    await uploadsReady(page);
    expect(await page.textContent('#uploads-heading')).toBe('Uploads of meter-1');

    const records = await uploadsOf('meter-1');
    expect(records.map((record) => [record.uploadId, record.source])).toEqual([
      [ids.estimate, 'estimate'],
      [ids.edit, 'POST /api/readings'],
      [ids.seed, 'seed'],
    ]);
    const rows = await readUploadRows(page);
    expect(rows.map((row) => [row.uploadId, row.source, row.cells.slice(1)])).toEqual(
      records.map((record) => [
        record.uploadId,
        record.source,
        [record.source, record.caller, record.fileName ?? '—', record.report.inserted.toLocaleString('en-US'), record.report.updated.toLocaleString('en-US')],
      ]),
    );
    expect(rows[2]!.cells.slice(3)).toEqual(['meterusage.csv', '2,975', '0']);
    for (const row of rows) expect(row.cells[0]).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d/);

    // The hand edit: its facts and its report.
    await chooseUpload(page, ids.edit);
    const edit = records[1]!;
    expect(await page.textContent('#upload-details h3')).toBe(`Upload ${ids.edit}`);
    const { inserted, updated, unchanged, skipped, rejected } = edit.report;
    expect(await readCounts(page, '#upload-details')).toEqual({ inserted, updated, unchanged, skipped, rejected });
    expect(updated).toBe(1);
    const facts = await page.locator('#upload-details .upload-facts').textContent();
    expect(facts).toContain('fix.csv');
    expect(facts).toContain('on_conflict=update');
    expect(await page.getAttribute(`#uploads-table tr[data-upload-id="${ids.edit}"] .upload-select`, 'aria-pressed')).toBe('true');
    expect(await page.isVisible('#upload-details .revert-start')).toBe(true); // AUTH_MODE=off: the caller may write

    // The estimation run: its own report.
    await chooseUpload(page, ids.estimate);
    expect(await page.locator('#upload-details h4').allTextContents()).toEqual(['Report', 'Estimation of meter-1 (linear)']);
    const { gaps, estimated, leftEmpty } = records[0]!.estimate!;
    expect([gaps, estimated, leftEmpty]).toEqual([1, 1, 0]);
    expect(await readCounts(page, '#upload-details')).toMatchObject({ gaps, estimated, leftEmpty });
    await screenshot(page, 'provenance-upload-details');

    // 22 uploads of another meter: 20 on the first page, the rest after "More uploads".
    for (let slot = 0; slot < 22; slot++) {
      const time = new Date(Date.parse('2019-01-01T00:15:00Z') + slot * 900_000).toISOString();
      await api(`/api/readings?meter=many-uploads`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `time,meterusage\n${time},${slot}\n` });
    }
    expect(await openDashboard(page, baseUrl, '/?meter=many-uploads&bucket=15m&tz=UTC')).toBe('ready');
    await uploadsReady(page);
    expect(await page.locator('#uploads-table tbody tr').count()).toBe(20);
    expect(await page.isVisible('#uploads-more')).toBe(true);
    await page.click('#uploads-more');
    await page.waitForSelector('#uploads-section[data-state="ready"] #uploads-table tbody tr:nth-child(22)');
    expect((await readUploadRows(page)).map((row) => row.uploadId)).toEqual((await uploadsOf('many-uploads')).map((record) => record.uploadId));
    expect(await page.isHidden('#uploads-more')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('draws buckets holding estimated and edited values as their own series, and names them in the legend, the table and the cards', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, dayView('2019-01-17'))).toBe('ready');
    const usage = await api<{ columns: { estimatedCount: number[]; editedCount: number[]; sum: Array<number | null> } }>(
      '/api/usage?meter=meter-1&from=2019-01-17&to=2019-01-18&bucket=15m&shape=columns',
    );
    const indexesOf = (counts: number[]) => counts.flatMap((count, index) => (count > 0 ? [index] : []));
    expect([indexesOf(usage.columns.estimatedCount), indexesOf(usage.columns.editedCount)]).toEqual([[10], [0]]);

    const series = await readQualitySeries(page);
    expect(series.labels).toEqual(['UTC', 'Usage (kWh per 15 min)', 'Estimated values', 'Edited values']);
    expect(series.dashes.slice(1)).toEqual([null, [6, 3], [2, 2]]);
    const drawn = (values: Array<number | null>) => values.flatMap((value, index) => (value === null ? [] : [[index, value]]));
    const chart = await readChart(page);
    expect(drawn(series.estimated)).toEqual([[10, usage.columns.sum[10]]]);
    expect(drawn(series.edited)).toEqual([[0, 100]]);
    expect(chart.values[10]).toBe(usage.columns.sum[10]); // the gap is filled: no longer drawn as missing
    expect(chart.nullIdxs).toEqual([]);

    expect(await page.locator('.chart-key .key-estimated').count()).toBe(1);
    expect(await page.locator('.chart-key .key-edited').count()).toBe(1);
    const legend = await page.textContent('#chart .u-legend');
    expect(legend).toContain('Estimated values');
    expect(legend).toContain('Edited values');
    await page.focus('#chart');
    await page.keyboard.press('Home');
    expect(await page.textContent('#chart-readout')).toBe('Thu, Jan 17, 2019, 12:00 AM – 12:15 AM: 100 kWh (1 edited)');
    expect(await page.textContent('#chart .u-legend')).toContain('1 of 1 edited');

    const row = (index: number) => page.locator(`#bucket-table tbody tr[data-index="${index}"]`);
    expect([await row(10).getAttribute('data-estimated'), await row(10).locator('td').nth(1).textContent()]).toEqual(['1', '1 of 1 1 estimated']);
    expect([await row(0).getAttribute('data-edited'), await row(0).locator('td').nth(1).textContent()]).toEqual(['1', '1 of 1 1 edited']);
    expect(await row(5).getAttribute('data-estimated')).toBeNull();

    const summary = await api<{ summary: { estimatedCount: number; editedCount: number; presentCount: number } }>(
      '/api/summary?meter=meter-1&from=2019-01-17&to=2019-01-18',
    );
    const total = page.locator('[data-summary="total"]');
    expect([await total.getAttribute('data-estimated'), await total.getAttribute('data-edited')]).toEqual([
      String(summary.summary.estimatedCount),
      String(summary.summary.editedCount),
    ]);
    expect(await total.locator('.card-detail').textContent()).toBe(`${summary.summary.presentCount} readings, 1 estimated, 1 edited`);
    await screenshot(page, 'provenance-estimated-edited');

    // Hour buckets: the tooltip counts the estimated and edited values instead of asking for one reading.
    expect(await afterNextLoad(page, () => page.selectOption('#bucket', 'hour'))).toBe('ready');
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    for (const [index, quality] of [
      [0, '1 edited'],
      [1, 'all actual'],
      [2, '1 estimated'],
    ] as const) {
      await hoverBucket(page, index);
      expect(await readTooltip(page, index)).toMatchObject({ quality, state: 'counts' });
    }
    expect(requests.filter((url) => url.includes('/api/readings'))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('names the quality and upload of a 15-minute reading in its tooltip, as GET /api/readings does, asking once per interval', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, dayView('2019-01-17'))).toBe('ready');
    const readings = await readingsOf('2019-01-17');
    expect([readings[0]![2], readings[0]![3]]).toEqual(['READING_QUALITY_EDITED', ids.edit]);
    expect([readings[5]![2], readings[5]![3]]).toEqual(['READING_QUALITY_MEASURED', ids.seed]);
    expect([readings[10]![2], readings[10]![3]]).toEqual(['READING_QUALITY_ESTIMATED', ids.estimate]);

    const readingRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/readings')) readingRequests.push(request.url());
    });
    for (const index of [10, 0, 5]) {
      await hoverBucket(page, index);
      const [, , quality, uploadId] = readings[index]!;
      expect(await readTooltip(page, index)).toMatchObject({ quality: `${QUALITY_WORDS[quality]} · upload ${uploadId}`, state: 'done' });
    }
    expect(await readTooltip(page, 5)).toMatchObject({ when: 'Thu, Jan 17, 2019, 01:15 AM – 01:30 AM', value: `${readings[5]![1]} kWh` });
    await screenshot(page, 'provenance-tooltip');
    expect(readingRequests).toHaveLength(3);
    expect(new URL(readingRequests[0]!).searchParams.get('from')).toBe('2019-01-17T02:30:00.000Z');

    // Known intervals are not asked again; leaving the chart hides the tooltip.
    await hoverBucket(page, 10);
    expect(await readTooltip(page, 10)).toMatchObject({ quality: `estimated · upload ${ids.estimate}` });
    expect(readingRequests).toHaveLength(3);
    await page.mouse.move(2, 2);
    expect(await page.isHidden('#chart-tooltip')).toBe(true);

    // By keyboard: the tooltip follows the chosen bucket, and the quality reaches the live read-out.
    await page.focus('#chart');
    await page.keyboard.press('Home');
    expect(await readTooltip(page, 0)).toMatchObject({ quality: `edited · upload ${ids.edit}` });
    await page.waitForFunction(`document.getElementById('chart-provenance').textContent.includes('upload ${ids.edit}')`);
    expect(await page.textContent('#chart-provenance')).toBe(`Thu, Jan 17, 2019, 12:00 AM – 12:15 AM: edited · upload ${ids.edit}`);
    expect(problems).toEqual([]);
  });

  it('refreshes the list after an upload; Revert previews the dry run writing nothing, and Confirm reverts, updating the chart, the cards and the list', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, dayView('2019-01-18'))).toBe('ready');
    await uploadsReady(page);
    const before = await readingsOf('2019-01-18');
    const cardsBefore = await readCards(page);
    const chartBefore = await readChart(page);

    // An upload through the upload panel: two corrections and a new interval (2019-02-02, after the sample).
    const csv = 'time,meterusage\n2019-01-18T00:15:00Z,500\n2019-01-18T00:30:00Z,600\n2019-02-02T00:15:00Z,7\n';
    await page.fill('#upload-meter', 'meter-1');
    await page.setInputFiles('#upload-file', { name: 'jan18.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    expect(
      await afterNextLoad(page, async () => {
        await page.click('#upload-submit');
        await page.waitForSelector('#upload-report[data-state="done"]');
      }),
    ).toBe('ready');
    const uploaded = (await uploadsOf('meter-1', 1))[0]!;
    expect([uploaded.fileName, uploaded.report.inserted, uploaded.report.updated]).toEqual(['jan18.csv', 1, 2]);
    await uploadsReady(page, uploaded.uploadId);
    expect((await readUploadRows(page))[0]!.cells.slice(1)).toEqual(['POST /api/readings', 'anonymous', 'jan18.csv', '1', '2']);
    expect((await readChart(page)).values.slice(0, 2)).toEqual([500, 600]);
    const written = await readingsOf('2019-01-18');

    // Revert: first the dry run's preview, the same numbers as the API's dry run, and nothing written.
    await chooseUpload(page, uploaded.uploadId);
    await page.click('#upload-details .revert-start');
    const preview = await revertPanel(page, 'preview');
    const dryRun = await post<RevertJson>(`/api/uploads/${uploaded.uploadId}/revert?dry_run=true`);
    expect(revertCounts(dryRun)).toEqual({ restored: 2, removed: 1, unchanged: 0, conflicts: 0, forced: 0 });
    expect(preview.counts).toEqual(revertCounts(dryRun));
    expect(preview.heading).toBe(`What reverting upload ${uploaded.uploadId} would do`);
    expect(preview.text).toContain('Nothing has been written yet.');
    expect(await page.locator('#upload-details .revert-force').count()).toBe(0); // no conflicts: nothing to force
    expect(await readingsOf('2019-01-18')).toEqual(written);
    expect((await uploadsOf('meter-1', 1))[0]!.uploadId).toBe(uploaded.uploadId);
    await screenshot(page, 'provenance-revert-preview');

    // Confirm: the old values are back, the view follows, the revert tops the list.
    expect(
      await afterNextLoad(page, async () => {
        await page.click('#upload-details .revert-confirm');
        await page.waitForSelector('#upload-details .revert-flow[data-state="done"]');
      }),
    ).toBe('ready');
    const result = await revertPanel(page, 'done');
    expect(result.heading).toBe(`Upload ${uploaded.uploadId} reverted`);
    expect(result.counts).toEqual(revertCounts(dryRun));
    const revertId = /Recorded as upload (\d+)/.exec(result.text)?.[1];
    expect(revertId).toBeDefined();
    const reverted = await readingsOf('2019-01-18');
    expect(reverted.map(([start, usage, quality]) => [start, usage, quality])).toEqual(before.map(([start, usage, quality]) => [start, usage, quality]));
    expect([reverted[0]![3], reverted[1]![3], reverted[2]![3]]).toEqual([revertId, revertId, before[2]![3]]);
    expect((await readingsOf('2019-02-02'))[0]!.slice(1, 3)).toEqual([null, 'READING_QUALITY_NOT_RECEIVED']);
    expect(await readChart(page)).toEqual(chartBefore);
    expect(await readCards(page)).toEqual(cardsBefore);
    await uploadsReady(page, revertId);
    expect((await readUploadRows(page))[0]!.source).toBe('revert');
    await screenshot(page, 'provenance-reverted');
    expect(problems).toEqual([]);
  });

  it('lists the intervals a later upload changed as conflicts, and reverts them only when forced', async () => {
    const { page, problems } = await newPage();
    const original = (await readingsOf('2019-01-20'))[0]!;
    const first = (await upload('time,meterusage\n2019-01-20T00:15:00Z,1\n')).uploadId!;
    const later = (await upload('time,meterusage\n2019-01-20T00:15:00Z,2\n')).uploadId!;
    expect(await openDashboard(page, baseUrl, dayView('2019-01-20'))).toBe('ready');
    await uploadsReady(page, later);
    await chooseUpload(page, first);
    await page.click('#upload-details .revert-start');
    const preview = await revertPanel(page, 'preview');
    const dryRun = await post<RevertJson>(`/api/uploads/${first}/revert?dry_run=true`);
    expect(revertCounts(dryRun)).toEqual({ restored: 0, removed: 0, unchanged: 0, conflicts: 1, forced: 0 });
    expect(preview.counts).toEqual(revertCounts(dryRun));
    expect(await page.locator('#upload-details .conflicts tbody tr td').allTextContents()).toEqual(['meter-1', 'Sun, Jan 20, 2019, 12:00 AM', later]);

    // Force: the preview asks again, now what a forced revert would do.
    await page.check('#upload-details .revert-force');
    await page.waitForSelector('#upload-details .revert-flow[data-state="preview"] [data-count="forced"][data-value="1"]');
    const forcedDryRun = await post<RevertJson>(`/api/uploads/${first}/revert?dry_run=true&force=true`);
    expect(revertCounts(forcedDryRun)).toEqual({ restored: 0, removed: 0, unchanged: 0, conflicts: 0, forced: 1 });
    expect((await revertPanel(page, 'preview')).counts).toEqual(revertCounts(forcedDryRun));
    expect(await page.isChecked('#upload-details .revert-force')).toBe(true);
    expect((await readingsOf('2019-01-20'))[0]!.slice(1, 4)).toEqual([2, 'READING_QUALITY_MEASURED', later]);
    await screenshot(page, 'provenance-revert-conflict');

    await afterNextLoad(page, () => page.click('#upload-details .revert-confirm'));
    expect((await revertPanel(page, 'done')).counts).toEqual(revertCounts(forcedDryRun));
    expect((await readingsOf('2019-01-20'))[0]!.slice(0, 3)).toEqual(original.slice(0, 3));
    expect((await readChart(page)).values[0]).toBe(original[1]);
    expect(problems).toEqual([]);
  });

  it("estimates the shown range's gaps after a preview that writes nothing, and the chart and the list show the estimates", async () => {
    const { page, problems } = await newPage();
    // Two intervals the source sent without a value (2019-01-22 00:00 and 00:15).
    await upload('time,meterusage\n2019-01-22T00:15:00Z,NaN\n2019-01-22T00:30:00Z,NaN\n');
    expect(await openDashboard(page, baseUrl, dayView('2019-01-22'))).toBe('ready');
    expect((await readChart(page)).nullIdxs).toEqual([0, 1]);
    const missing = await readingsOf('2019-01-22');

    expect(await page.isVisible('#estimate-section')).toBe(true);
    await page.selectOption('#estimate-method', 'linear');
    await page.click('#estimate-section .estimate-start');
    await page.waitForSelector('#estimate-section .estimate-flow[data-state="preview"]');
    const dryRun = await post<{ gaps: number; estimated: number; leftEmpty: number }>(
      '/api/meters/meter-1/estimate?from=2019-01-22T00:00:00.000Z&to=2019-01-23T00:00:00.000Z&method=linear&dry_run=true',
    );
    expect(dryRun).toMatchObject({ gaps: 2, estimated: 2, leftEmpty: 0 });
    expect(await readCounts(page, '#estimate-section .estimate-panel')).toEqual({ gaps: 2, estimated: 2, leftEmpty: 0 });
    expect(await readingsOf('2019-01-22')).toEqual(missing);

    expect(
      await afterNextLoad(page, async () => {
        await page.click('#estimate-section .estimate-confirm');
        await page.waitForSelector('#estimate-section .estimate-flow[data-state="done"]');
      }),
    ).toBe('ready');
    const record = (await uploadsOf('meter-1', 1))[0]!;
    expect([record.source, record.estimate]).toEqual(['estimate', expect.objectContaining({ gaps: 2, estimated: 2, leftEmpty: 0 })]);
    expect(await page.textContent('#estimate-section .estimate-panel')).toContain(`Recorded as upload ${record.uploadId}`);
    const estimated = await readingsOf('2019-01-22');
    expect(estimated.slice(0, 2).map(([, usage, quality, uploadId]) => [usage === null, quality, uploadId])).toEqual([
      [false, 'READING_QUALITY_ESTIMATED', record.uploadId],
      [false, 'READING_QUALITY_ESTIMATED', record.uploadId],
    ]);
    const series = await readQualitySeries(page);
    expect(series.estimated.slice(0, 3)).toEqual([estimated[0]![1], estimated[1]![1], null]);
    await uploadsReady(page, record.uploadId);
    expect(problems).toEqual([]);
  });

  it('fits a 360 px screen in the dark scheme with the uploads panel, a revert preview and the tooltip', async () => {
    const { page, problems } = await newPage({ width: 360, height: 800, colorScheme: 'dark' });
    expect(await openDashboard(page, baseUrl, dayView('2019-01-17'))).toBe('ready');
    await uploadsReady(page);
    await hoverBucket(page, 10);
    expect(await readTooltip(page, 10)).toMatchObject({ quality: `estimated · upload ${ids.estimate}` });
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'provenance-phone-dark-tooltip');
    await chooseUpload(page, ids.edit);
    await page.click('#upload-details .revert-start');
    await revertPanel(page, 'preview');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'provenance-phone-dark-revert-preview');
    await page.click('#upload-details .revert-cancel');
    expect(await page.locator('#upload-details .revert-panel').textContent()).toBe('');
    expect(problems).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import {
  createTestDatabase,
  freePort,
  loadSyntheticReadings,
  readSampleCsv,
  SAMPLE_CSV_PATH,
  startApp,
  startGrpcServer,
  type AppProcess,
  type TestDatabase,
} from '@meterusage/testing';
import { BrowserPages, screenshot, type PageOptions, type TestPage } from './support/browser';
import { shapeTiming } from './support/browser-load-shape';
import {
  afterNextLoad,
  apiRequests,
  bodyBackground,
  chartTiming,
  focused,
  horizontalOverflow,
  openDashboard,
  readCards,
  readChart,
  readStatus,
  readUploadReport,
  settled,
  unlabelledControls,
  urlQuery,
} from './support/browser-dashboard';

jest.setTimeout(90_000);

const QUARTER_HOUR_MS = 900_000;
const sample = readSampleCsv();
const utc = (iso: string) => Date.parse(iso);

/** The sample's readings whose interval starts in [from, to): count with a value, and their sum in cents (exact). */
function fromSample(from: string, to: string): { present: number; totalCents: number } {
  let present = 0;
  let totalCents = 0;
  for (const row of sample) {
    const startMs = utc(row.time) - QUARTER_HOUR_MS; // the sample's times label the interval end
    if (startMs < utc(from) || startMs >= utc(to) || row.meterusage === null) continue;
    present += 1;
    totalCents += Math.round(row.meterusage * 100);
  }
  return { present, totalCents };
}

const cents = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 100));

/**
 * The dashboard as people use it: Chromium against the real gateway process, in front of a real
 * grpc-server process on a fresh PostgreSQL database seeded from the sample CSV, plus one
 * synthetic meter with a year of 15-minute readings.
 */
describe('dashboard in Chromium over the real gateway, grpc-server and PostgreSQL', () => {
  let database: TestDatabase;
  let grpcPort: number;
  let grpcServer: AppProcess | undefined;
  let gateway: AppProcess | undefined;
  let baseUrl: string;
  const pages = new BrowserPages();
  let stopping = false;

  // A fixed port, so a grpc-server started again after a stop is where the gateway looks.
  const startBackend = () => startGrpcServer({ DATABASE_URL: database.url, CSV_PATH: SAMPLE_CSV_PATH, METER_ID: 'meter-1', GRPC_PORT: String(grpcPort) });

  beforeAll(async () => {
    database = await createTestDatabase('gateway_dashboard');
    grpcPort = await freePort();
    grpcServer = await startBackend();
    const httpPort = await freePort();
    gateway = startApp('gateway', { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', GRPC_TARGET: `127.0.0.1:${grpcPort}` });
    await gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at'));
    const running = gateway;
    void running.exited.then((code) => {
      if (!stopping) console.error(`gateway exited (${code}) while the tests ran:\n${running.output.slice(-40).join('\n')}`);
    });
    baseUrl = `http://127.0.0.1:${httpPort}`;
    // syn-0001: every quarter-hour of 2019 (35,040 rows; about 0.1 % of them NULL), generated in SQL.
    await loadSyntheticReadings(database.url, { meters: 1, years: 1, holeRate: 0 });
    await pages.launch();
  }, 120_000);

  afterEach(async () => {
    await pages.closePages();
  });

  afterAll(async () => {
    stopping = true;
    await pages.close();
    await gateway?.stop('SIGTERM');
    await grpcServer?.stop('SIGTERM');
    await database?.drop();
  });

  const newPage = (options?: PageOptions): Promise<TestPage> => pages.newPage(options);

  const choose = (page: Page, selector: string, value: string) => afterNextLoad(page, () => page.selectOption(selector, value));

  it('first load shows January 2019: 2,975 intervals, the CSV total, one missing, every interval in the chart', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl)).toBe('ready');

    // The view was resolved (default meter, the bucket for a month, the browser's zone) and recorded.
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: '15m', tz: 'UTC' });
    expect(await page.inputValue('#from')).toBe('2019-01-01T00:00');
    expect(await page.inputValue('#to')).toBe('2019-01-31T23:45');
    expect(await page.getAttribute('#presets [data-preset="all"]', 'aria-pressed')).toBe('true');

    const expected = fromSample('2019-01-01T00:00:00Z', '2019-02-01T00:00:00Z');
    const cards = await readCards(page);
    expect({ expected: cards.expected, present: cards.present, missing: cards.missing }).toEqual({ expected: 2975, present: 2974, missing: 1 });
    expect(expected.present).toBe(2974);
    expect(cents(cards.total)).toBe(expected.totalCents);
    expect(await page.textContent('[data-summary="total"] .card-value')).toBe('425,553.65 kWh');
    expect(cards.peak).toBe(Math.max(...sample.map((row) => row.meterusage ?? -Infinity)));
    expect(cards.peakText).toBe('Mon, Jan 21, 2019, 10:00 AM – 10:15 AM');
    // A kWh meter of 15-minute intervals: the peak interval as power, and the base load as /api/summary gives it.
    const apiSummary = (await (await fetch(`${baseUrl}/api/summary?meter=meter-1`)).json()) as { summary: { baseLoad: { value: number } } };
    expect(cards.peakDemand).toBe(cards.peak! * 4);
    expect(cards.peakDemandText).toMatch(/ kW$/);
    expect(cards.baseLoad).toBe(apiSummary.summary.baseLoad.value);

    const chart = await readChart(page);
    expect(chart.length).toBe(2975);
    expect(chart.startsSec[0]).toBe(utc('2019-01-01T00:00:00Z') / 1000);
    expect(chart.values.slice(0, 3)).toEqual([55.09, 54.64, 55.18]);
    expect(await page.textContent('#page-info')).toBe('Buckets 1–100 of 2,975');
    expect(await page.locator('#bucket-table tbody tr').count()).toBe(100);
    expect(await page.getAttribute('#download', 'href')).toBe('/api/export?meter=meter-1&tz=UTC&format=csv');

    await screenshot(page, 'desktop-ready');
    expect(problems).toEqual([]);
  });

  it('changing bucket, range and time zone updates the chart, the cards and the URL; a reload restores the view', async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl);
    const january = await readCards(page);

    expect(await choose(page, '#bucket', 'day')).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: 'day', tz: 'UTC' });
    expect((await readChart(page)).length).toBe(31);
    expect(cents((await readCards(page)).total)).toBe(cents(january.total));

    await page.fill('#from', '2019-01-07T00:00');
    await page.fill('#to', '2019-01-14T00:00');
    expect(await afterNextLoad(page, () => page.click('#apply'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', from: '2019-01-07', to: '2019-01-14', bucket: 'day', tz: 'UTC' });
    let cards = await readCards(page);
    let sampleWeek = fromSample('2019-01-07T00:00:00Z', '2019-01-14T00:00:00Z');
    expect([cards.expected, cards.present, cents(cards.total)]).toEqual([672, sampleWeek.present, sampleWeek.totalCents]);
    let chart = await readChart(page);
    expect([chart.length, chart.startsSec[0]]).toEqual([7, utc('2019-01-07T00:00:00Z') / 1000]);
    expect(await page.getAttribute('#presets [data-preset="week"]', 'aria-pressed')).toBe('true');

    // The same calendar dates, now in Amsterdam: local midnights one hour before UTC's.
    expect(await choose(page, '#tz', 'Europe/Amsterdam')).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', from: '2019-01-07', to: '2019-01-14', bucket: 'day', tz: 'Europe/Amsterdam' });
    cards = await readCards(page);
    sampleWeek = fromSample('2019-01-06T23:00:00Z', '2019-01-13T23:00:00Z');
    expect([cards.expected, cards.present, cents(cards.total)]).toEqual([672, sampleWeek.present, sampleWeek.totalCents]);
    chart = await readChart(page);
    expect([chart.length, chart.startsSec[0]]).toEqual([7, utc('2019-01-06T23:00:00Z') / 1000]);
    expect(await page.inputValue('#from')).toBe('2019-01-07T00:00');

    // "Day" is the last day of the range; one day of day buckets is too coarse, so the bucket follows.
    expect(await afterNextLoad(page, () => page.click('#presets [data-preset="day"]'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', from: '2019-01-13', to: '2019-01-14', bucket: '15m', tz: 'Europe/Amsterdam' });
    expect(await afterNextLoad(page, () => page.click('#earlier'))).toBe('ready');
    const dayView = { meter: 'meter-1', from: '2019-01-12', to: '2019-01-13', bucket: '15m', tz: 'Europe/Amsterdam' };
    expect(urlQuery(page)).toEqual(dayView);
    cards = await readCards(page);
    const sampleDay = fromSample('2019-01-11T23:00:00Z', '2019-01-12T23:00:00Z');
    expect([cards.expected, cents(cards.total)]).toEqual([96, sampleDay.totalCents]);
    chart = await readChart(page);
    expect([chart.length, chart.startsSec[0]]).toEqual([96, utc('2019-01-11T23:00:00Z') / 1000]);
    await screenshot(page, 'desktop-amsterdam-day');

    await page.reload();
    expect(await settled(page)).toBe('ready');
    expect(urlQuery(page)).toEqual(dayView);
    expect(await readCards(page)).toEqual(cards);
    expect(await readChart(page)).toEqual(chart);
    expect([await page.inputValue('#tz'), await page.inputValue('#bucket'), await page.inputValue('#from'), await page.inputValue('#to')]).toEqual([
      'Europe/Amsterdam',
      '15m',
      '2019-01-12T00:00',
      '2019-01-13T00:00',
    ]);
    expect(problems).toEqual([]);
  });

  it('zooms by dragging across the chart to whole buckets of the range, and "Undo zoom" goes back', async () => {
    const { page, problems } = await newPage();
    const monthView = { meter: 'meter-1', from: '2019-01-01', to: '2019-02-01', bucket: 'day', tz: 'UTC' };
    await openDashboard(page, baseUrl, `/?${new URLSearchParams(monthView).toString()}`);
    // The mouse reaches only what the viewport shows.
    await page.locator('#chart').scrollIntoViewIfNeeded();
    const box = (await page.locator('#chart .u-over').boundingBox())!;
    const y = box.y + box.height / 2;
    expect(
      await afterNextLoad(page, async () => {
        await page.mouse.move(box.x + box.width * 0.3, y);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.4, y, { steps: 5 });
        await page.mouse.up();
      }),
    ).toBe('ready');

    const zoomed = urlQuery(page);
    expect(zoomed.from).toMatch(/^2019-01-\d\d$/); // whole days: plain dates
    expect(zoomed.to).toMatch(/^2019-01-\d\d$/);
    const days = (utc(`${zoomed.to}T00:00:00Z`) - utc(`${zoomed.from}T00:00:00Z`)) / 86_400_000;
    expect(days).toBeGreaterThanOrEqual(2);
    expect(days).toBeLessThanOrEqual(5);
    expect(zoomed.bucket).toBe('15m'); // fewer than 7 days: day buckets would be too coarse
    const cards = await readCards(page);
    const expected = fromSample(`${zoomed.from}T00:00:00Z`, `${zoomed.to}T00:00:00Z`);
    expect([cards.expected, cards.present, cents(cards.total)]).toEqual([days * 96, expected.present, expected.totalCents]);
    expect((await readChart(page)).length).toBe(days * 96);

    expect(await afterNextLoad(page, () => page.click('#zoom-out'))).toBe('ready');
    expect(urlQuery(page)).toEqual(monthView);
    expect(await page.isHidden('#zoom-out')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('draws the NaN interval (2019-01-17 02:30–02:45 UTC) as a gap, counts it as missing and says so in the legend and the table', async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl, '/?meter=meter-1&from=2019-01-17&to=2019-01-18&bucket=15m&tz=UTC');
    const chart = await readChart(page);
    expect(chart.length).toBe(96);
    expect(chart.nullIdxs).toEqual([10]);
    expect(chart.startsSec[10]).toBe(utc('2019-01-17T02:30:00Z') / 1000);
    expect(chart.values.filter((value) => value === 0)).toEqual([]); // missing is never drawn as zero
    expect([chart.values[9], chart.values[11]]).toEqual([53.95, 55.03]);
    const cards = await readCards(page);
    expect({ missing: cards.missing, present: cards.present, expected: cards.expected }).toEqual({ missing: 1, present: 95, expected: 96 });

    // Keyboard: focus the chart, step to the eleventh bucket; the legend and the live read-out name it.
    await page.focus('#chart');
    await page.keyboard.press('Home');
    for (let step = 0; step < 10; step++) await page.keyboard.press('ArrowRight');
    expect(await page.textContent('#chart-readout')).toBe('Thu, Jan 17, 2019, 02:30 AM – 02:45 AM: missing (0 of 1 intervals)');
    expect(await page.textContent('#chart .u-legend')).toContain('missing (0 of 1 intervals)');
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('#chart-readout')).toBe('Thu, Jan 17, 2019, 02:45 AM – 03:00 AM: 55.03 kWh');

    const row = page.locator('#bucket-table tbody tr[data-index="10"]');
    expect(await row.getAttribute('data-state')).toBe('missing');
    expect(await row.locator('td').first().textContent()).toBe('missing');

    // In hour and day buckets it is a partly missing bucket, not a low one.
    expect(await choose(page, '#bucket', 'hour')).toBe('ready');
    const hourRow = page.locator('#bucket-table tbody tr[data-index="2"]');
    expect([await hourRow.getAttribute('data-state'), await hourRow.locator('td').nth(1).textContent()]).toEqual(['partial', '3 of 4 partial']);
    await page.check('#incomplete-only');
    expect(await page.locator('#bucket-table tbody tr').count()).toBe(1);
    await screenshot(page, 'desktop-missing-interval');
    expect(problems).toEqual([]);
  });

  it('marks buckets the range cuts (hatched, "cut by range") apart from incomplete ones, and shows whole edge days without a range', async () => {
    const { page, problems } = await newPage();
    // An explicit range from 06:00 to 18:00: the first and last days are cut, their counts cover 72 of 96 intervals.
    await openDashboard(page, baseUrl, '/?meter=meter-1&from=2019-01-10T06:00:00Z&to=2019-01-12T18:00:00Z&bucket=day&tz=UTC');
    const rows = page.locator('#bucket-table tbody tr');
    expect(await rows.count()).toBe(3);
    const rowState = async (index: number) => {
      const row = rows.nth(index);
      return [await row.getAttribute('data-state'), await row.getAttribute('data-clipped'), await row.locator('td').nth(1).textContent()];
    };
    expect(await rowState(0)).toEqual(['complete', 'true', '72 of 72 cut by range']);
    expect(await rowState(1)).toEqual(['complete', null, '96 of 96']);
    expect(await rowState(2)).toEqual(['complete', 'true', '72 of 72 cut by range']);
    await page.focus('#chart');
    await page.keyboard.press('Home');
    expect(await page.textContent('#chart-readout')).toMatch(/^Thu, Jan 10, 2019.*: [\d,.]+ kWh, cut by the range \(only the part inside counted\)$/);
    await page.keyboard.press('ArrowRight');
    expect(await page.textContent('#chart-readout')).not.toContain('cut by the range');
    expect(await page.locator('.chart-key .key-clipped').count()).toBe(1);
    await screenshot(page, 'desktop-clipped-buckets');

    // The zone picker offers only zones the API accepts (its list, from GET /api/time-zones).
    const accepted = new Set(((await (await fetch(`${baseUrl}/api/time-zones`)).json()) as { timeZones: string[] }).timeZones);
    await page.waitForFunction("document.querySelectorAll('#tz option').length > 300");
    const offered = await page.evaluate<string[]>("[...document.querySelectorAll('#tz option')].map((option) => option.value)");
    expect(offered.filter((zone) => !accepted.has(zone))).toEqual([]);
    expect(offered).toEqual(expect.arrayContaining(['UTC', 'Australia/Lord_Howe', 'Europe/Amsterdam', 'Pacific/Chatham']));

    // No range, Amsterdam days: the range snaps to whole local days, so the last day (Feb 1, 3 readings) is
    // incomplete (3 of 96), not cut and not complete-looking (it used to say 3 of 3).
    await openDashboard(page, baseUrl, '/?meter=meter-1&bucket=day&tz=Europe/Amsterdam');
    expect(await rows.count()).toBe(32);
    expect(await rowState(0)).toEqual(['partial', null, '92 of 96 partial']);
    expect(await rowState(31)).toEqual(['partial', null, '3 of 96 partial']);
    await page.focus('#chart');
    await page.keyboard.press('End');
    expect(await page.textContent('#chart-readout')).toMatch(/partly missing \(3 of 96 intervals\)$/);

    // A zone the browser knows but the service does not (PostgreSQL 15 dropped US/Pacific-New): a 400 naming tz, no 5xx.
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&bucket=day&tz=US/Pacific-New')).toBe('error');
    const refused = await readStatus(page);
    expect(refused.kind).toBe('invalid');
    expect(refused.text).toContain('tz: "US/Pacific-New" is not an IANA time zone');
    expect(problems.filter((problem) => !/status of 400/.test(problem))).toEqual([]);
  });

  it('says what happened: no data in the range, an invalid range naming the field, the gateway unreachable', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&from=2020-01-01&to=2020-02-01&bucket=day&tz=UTC')).toBe('empty');
    expect((await readStatus(page)).text).toBe(
      'No data in this range meter-1 has no readings from Wed, Jan 1, 2020, 12:00 AM – Sat, Feb 1, 2020, 12:00 AM (UTC): 2,976 intervals expected, none received.',
    );
    expect(await page.isHidden('#chart-section')).toBe(true);
    await screenshot(page, 'desktop-empty');
    expect(await afterNextLoad(page, () => page.click('#show-all'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: '15m', tz: 'UTC' }); // all data: January, so 15 minutes

    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&from=2019-02-01&to=2019-01-01&bucket=day&tz=UTC')).toBe('error');
    const invalid = await readStatus(page);
    expect(invalid.kind).toBe('invalid');
    expect(invalid.text).toBe(
      'Invalid selection from: must be before to (2019-02-01T00:00:00.000Z is not before 2019-01-01T00:00:00.000Z) (HTTP 400 INVALID_ARGUMENT)',
    );
    expect(await page.getAttribute('#from', 'aria-invalid')).toBe('true');
    expect([await page.inputValue('#from'), await page.inputValue('#to')]).toEqual(['2019-02-01T00:00', '2019-01-01T00:00']); // what was asked, to correct it
    await screenshot(page, 'desktop-invalid-range');
    await page.fill('#to', '');
    expect(await afterNextLoad(page, () => page.click('#apply'))).toBe('error');
    expect((await readStatus(page)).text).toBe('Invalid selection to: enter a date and a time');
    expect(await page.getAttribute('#to', 'aria-invalid')).toBe('true');

    // Nothing answers at all: fetch itself fails.
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    expect(await afterNextLoad(page, () => page.click('#retry'))).toBe('error');
    const unreachable = await readStatus(page);
    expect([unreachable.kind, unreachable.retryVisible]).toEqual(['network', true]);
    expect(unreachable.text).toMatch(/^Cannot reach the gateway The request to \/api\/(meters|summary|usage) failed before any answer arrived/);
    expect((await focused(page)).id).toBe('retry'); // focus stays on Retry for keyboard users
    await screenshot(page, 'desktop-gateway-unreachable');
    await page.unroute('**/api/**');
    await page.goto(`${baseUrl}/?meter=meter-1&from=2019-01-01&to=2019-01-02&bucket=hour&tz=UTC`);
    expect(await settled(page)).toBe('ready');
    expect(problems).toEqual([]);
  });

  it('shows the backend error state while grpc-server is stopped and recovers on Retry once it is back', async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl);
    await grpcServer!.stop('SIGTERM');
    grpcServer = undefined;

    expect(await choose(page, '#bucket', 'hour')).toBe('error');
    const down = await readStatus(page);
    expect(down).toEqual({
      state: 'error',
      kind: 'unavailable',
      text: 'The meter-usage backend is unavailable the meter-usage service is unavailable; retry shortly (HTTP 503 UNAVAILABLE)',
      retryVisible: true,
    });
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: 'hour', tz: 'UTC' });
    await screenshot(page, 'desktop-backend-down');
    expect(await afterNextLoad(page, () => page.click('#retry'))).toBe('error'); // still down: still the error

    grpcServer = await startBackend();
    // The gateway reconnects with a backoff of at most 5 s; /readyz says when its channel is back.
    for (let attempt = 0; attempt < 60; attempt++) {
      if ((await fetch(`${baseUrl}/readyz`)).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await afterNextLoad(page, () => page.click('#retry'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: 'hour', tz: 'UTC' });
    expect((await readCards(page)).expected).toBe(2975);
    expect((await readChart(page)).length).toBe(744);
    expect(problems).toEqual([]);
  });

  it('downloads exactly the API readings of the selection as CSV', async () => {
    const { page, problems } = await newPage();
    const view = { meter: 'meter-1', from: '2019-01-17', to: '2019-01-18', bucket: 'hour', tz: 'Europe/Amsterdam' };
    await openDashboard(page, baseUrl, `/?${new URLSearchParams(view).toString()}`);
    const href = await page.getAttribute('#download', 'href');
    expect(href).toBe('/api/export?meter=meter-1&from=2019-01-17&to=2019-01-18&tz=Europe%2FAmsterdam&format=csv');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(download.suggestedFilename()).toBe('meter-1_2019-01-17_2019-01-18.csv');
    expect(csv).toBe(await (await fetch(`${baseUrl}${href}`)).text());

    const [header, ...lines] = csv.trim().split('\n');
    expect(header).toBe('meter_id,time,start,end,meterusage,quality');
    const api = (await (await fetch(`${baseUrl}/api/readings?meter=meter-1&from=2019-01-17&to=2019-01-18&tz=Europe/Amsterdam&page_size=10000`)).json()) as {
      readings: Array<{ start: string; end: string; usage?: number; quality: string }>;
    };
    const stored = api.readings.filter((reading) => reading.quality !== 'READING_QUALITY_NOT_RECEIVED');
    expect(lines.map((line) => line.split(',')).map(([, , start, end, usage, quality]) => [start, end, usage === '' ? null : Number(usage), quality])).toEqual(
      stored.map((reading) => [reading.start, reading.end, reading.usage ?? null, reading.quality]),
    );
    expect(lines).toHaveLength(96);
    expect(lines[0]).toMatch(/^meter-1,2019-01-16T23:15:00Z,2019-01-16T23:00:00Z,/);
    expect(problems).toEqual([]);
  });

  it('uploads a CSV, shows the report with each rejected line, and refreshes the view', async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl);
    const csv = 'time,meterusage\n2019-03-01 00:15:00,1.5\n2019-03-01 00:30:00,NaN\n2019-03-01 00:31:00,2\n2019-03-01 00:45:00,-1\n';
    const file = { name: 'march.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) };

    // Atomic (the default): one bad row, nothing written.
    await page.fill('#upload-meter', 'upload-atomic');
    await page.setInputFiles('#upload-file', file);
    await page.click('#upload-submit');
    await page.waitForSelector('#upload-report[data-state="rejected"]');
    const atomic = await readUploadReport(page);
    expect(atomic.heading).toBe('Nothing written to upload-atomic: 2 rows were rejected');
    expect(atomic.counts).toEqual({ inserted: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 2 });

    // Partial: the valid rows are written, the report lists the others by line.
    await page.selectOption('#upload-mode', 'partial');
    await page.fill('#upload-meter', 'upload-demo');
    expect(
      await afterNextLoad(page, async () => {
        await page.click('#upload-submit');
        await page.waitForSelector('#upload-report[data-state="done"]');
      }),
    ).toBe('ready');
    const partial = await readUploadReport(page);
    expect(partial.heading).toBe('Written to upload-demo');
    expect(partial.counts).toEqual({ inserted: 2, updated: 0, unchanged: 0, skipped: 0, rejected: 2 });
    expect(partial.rejections).toEqual([
      ['4', 'time', 'time "2019-03-01 00:31:00" is not on the 15-minute grid'],
      ['5', 'meterusage', expect.stringContaining('negative')],
    ]);
    await screenshot(page, 'desktop-upload-report');

    // The refreshed meter list has the new meter; the report offers to show it.
    expect(await page.locator('#meter option[value="upload-demo"]').count()).toBe(1);
    expect(await afterNextLoad(page, () => page.click('#upload-report button:has-text("Show upload-demo")'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'upload-demo', bucket: '15m', tz: 'UTC' });
    const cards = await readCards(page);
    expect({ total: cards.total, present: cards.present, expected: cards.expected, missing: cards.missing }).toEqual({
      total: 1.5,
      present: 1,
      expected: 2,
      missing: 1,
    });
    expect((await readChart(page)).values).toEqual([1.5, null]);
    expect(problems).toEqual([]);
  });

  it('is operable by keyboard and labels every control', async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl);
    expect(await unlabelledControls(page)).toEqual([]);

    // Tab to the "Week" preset and press Enter.
    let preset = '';
    for (let press = 0; press < 30 && preset !== 'week'; press++) {
      await page.keyboard.press('Tab');
      preset = (await focused(page)).preset;
    }
    expect(preset).toBe('week');
    expect(await afterNextLoad(page, () => page.keyboard.press('Enter'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', from: '2019-01-28', to: '2019-02-04', bucket: '15m', tz: 'UTC' });
    expect(problems).toEqual([]);
  });

  it('fits a 360 px screen and follows the dark colour scheme (screenshots of the main states)', async () => {
    const phone = await newPage({ width: 360, height: 800 });
    expect(await openDashboard(phone.page, baseUrl)).toBe('ready');
    const overflow = () => horizontalOverflow(phone.page);
    expect(await overflow()).toBe(0);
    await screenshot(phone.page, 'phone-ready');
    expect(await openDashboard(phone.page, baseUrl, '/?meter=meter-1&from=2019-01-17&to=2019-01-18&bucket=hour&tz=UTC')).toBe('ready');
    expect(await overflow()).toBe(0);
    await screenshot(phone.page, 'phone-day-hours');
    expect(await openDashboard(phone.page, baseUrl, '/?meter=meter-1&from=2020-01-01&to=2020-02-01&tz=UTC')).toBe('empty');
    await screenshot(phone.page, 'phone-empty');
    expect(await openDashboard(phone.page, baseUrl, '/?meter=meter-1&from=2019-02-01&to=2019-01-01&tz=UTC')).toBe('error');
    expect(await overflow()).toBe(0);
    await screenshot(phone.page, 'phone-invalid-range');

    const dark = await newPage({ width: 360, height: 800, colorScheme: 'dark' });
    expect(await openDashboard(dark.page, baseUrl)).toBe('ready');
    expect(await bodyBackground(dark.page)).toBe('rgb(15, 20, 25)');
    await screenshot(dark.page, 'phone-dark-ready');
    const desktopDark = await newPage({ colorScheme: 'dark' });
    await openDashboard(desktopDark.page, baseUrl, '/?meter=meter-1&from=2019-01-14&to=2019-01-21&bucket=hour&tz=Europe/Amsterdam');
    await screenshot(desktopDark.page, 'desktop-dark-week');
    expect([...phone.problems, ...dark.problems, ...desktopDark.problems]).toEqual([]);
  });

  it("asks for the address bar's view beside GET /api/caller, once, and shows it", async () => {
    const { page, problems } = await newPage();
    await page.goto(`${baseUrl}/?meter=syn-0001&from=2019-03-01&to=2019-04-01&bucket=day&tz=Europe/Amsterdam`);
    expect(await settled(page)).toBe('ready');
    expect((await readChart(page)).length).toBe(31);
    const requests = await apiRequests(page);
    const caller = requests.find((request) => request.path.startsWith('/api/caller'))!;
    // (The load shape asks /api/usage for 15-minute power afterwards: another view.)
    const usage = requests.filter((request) => request.path.startsWith('/api/usage') && request.path.includes('bucket=day'));
    const summaries = requests.filter((request) => request.path.startsWith('/api/summary'));
    // Asked before the caller's answer came, and not asked again after it.
    expect(usage).toHaveLength(1);
    expect(summaries).toHaveLength(1);
    expect(usage[0]!.startMs).toBeLessThanOrEqual(caller.endMs);
    expect(usage[0]!.path).toContain('meter=syn-0001');
    // The meter list too: asked beside the caller, once.
    const meterLists = requests.filter((request) => request.path.startsWith('/api/meters'));
    expect(meterLists).toHaveLength(1);
    expect(meterLists[0]!.startMs).toBeLessThanOrEqual(caller.endMs);
    expect(problems).toEqual([]);
  });

  it('prints the time from navigation to chart drawn for a month and for a year of 15-minute data', async () => {
    const views = [
      { label: 'month of 15-minute data (meter-1, 2,976 buckets)', query: 'meter=meter-1&from=2019-01-01&to=2019-02-01&bucket=15m&tz=UTC', buckets: 2976 },
      { label: 'year of 15-minute data (syn-0001, 35,040 buckets)', query: 'meter=syn-0001&from=2019-01-01&to=2020-01-01&bucket=15m&tz=UTC', buckets: 35040 },
    ];
    const lines: string[] = [];
    for (const view of views) {
      const runs: string[] = [];
      for (let run = 0; run < 3; run++) {
        const { page, problems, context } = await newPage();
        await page.goto(`${baseUrl}/?${view.query}`);
        expect(await settled(page)).toBe('ready');
        expect((await readChart(page)).length).toBe(view.buckets);
        const timing = await chartTiming(page);
        // The load shape (heatmap and duration curve) loads after the chart, from its own request.
        const shape = await shapeTiming(page);
        expect(shape.ownMs).toBeGreaterThan(0);
        runs.push(
          `${Math.round(timing.drawnMs)} ms (/api/usage ${Math.round(timing.usageMs)} ms for ${(timing.usageBytes / 1e6).toFixed(2)} MB, then ${Math.round(timing.afterDataMs)} ms in the page); load shape drawn at ${Math.round(shape.drawnMs)} ms, ${Math.round(shape.ownMs)} ms after its request`,
        );
        expect(problems).toEqual([]);
        await context.close();
      }
      lines.push(`  ${view.label}: ${runs.join('; ')}`);
    }
    console.log(`dashboard: navigation start → chart drawn, 3 runs each (headless Chromium, 1280×900):\n${lines.join('\n')}`);
  });
});

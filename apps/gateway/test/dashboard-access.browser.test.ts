import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  createKeyWithCli,
  createTestDatabase,
  freePort,
  loadSyntheticReadings,
  runKeysCli,
  SAMPLE_CSV_PATH,
  startApp,
  startGrpcServer,
  type AppProcess,
  type TestDatabase,
} from '@meterusage/testing';
import { launchChromium, newTestPage, screenshot, type TestPage } from './support/browser';
import {
  afterNextLoad,
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

/** Where the dashboard keeps the key (dashboard/src/access-key.ts). */
const STORAGE_KEY = 'meterusage.apiKey';

/** A test page that also records every request URL and console line, to prove the key shows in neither. */
interface WatchedPage extends TestPage {
  requestUrls: string[];
  consoleLines: string[];
}

/**
 * The dashboard in front of a gateway that checks API keys (AUTH_MODE=keys on both processes):
 * the key prompt, what each key sees (its meters, the upload panel only with scope write), and
 * where the key is kept (sessionStorage, never the URL or the console).
 */
describe('dashboard with API keys in Chromium over the real gateway, grpc-server and PostgreSQL', () => {
  let database: TestDatabase;
  let grpcServer: AppProcess | undefined;
  let gateway: AppProcess | undefined;
  let baseUrl: string;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const secrets = { reader: '', writer: '', synReader: '', nothing: '' };

  beforeAll(async () => {
    database = await createTestDatabase('gateway_dashboard_access');
    const backend = await startGrpcServer({
      DATABASE_URL: database.url,
      CSV_PATH: SAMPLE_CSV_PATH,
      METER_ID: 'meter-1',
      AUTH_MODE: 'keys',
      AUTH_FAILURE_DELAY_MS: '0',
      AUTH_KEY_CACHE_MS: '0', // a revoked key is refused at once
    });
    grpcServer = backend;
    const httpPort = await freePort();
    gateway = startApp('gateway', { HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', GRPC_TARGET: `127.0.0.1:${backend.port}`, AUTH_MODE: 'keys' });
    baseUrl = `http://127.0.0.1:${httpPort}`;
    const [reader, writer, synReader, nothing] = await Promise.all([
      createKeyWithCli(database.url, 'dashboard-reader', 'read', 'meter-1'),
      createKeyWithCli(database.url, 'dashboard-writer', 'read,write', 'meter-1,access-*'),
      createKeyWithCli(database.url, 'syn-reader', 'read', 'syn-*'),
      createKeyWithCli(database.url, 'no-meters', 'read', 'nothing-*'),
      // syn-0001: a meter only syn-reader may read.
      loadSyntheticReadings(database.url, { meters: 1, years: 1, holeRate: 0 }),
      gateway.waitForLog((line) => String(line.msg).startsWith('dashboard at')),
    ]);
    Object.assign(secrets, { reader, writer, synReader, nothing });
    browser = await launchChromium();
  }, 120_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop('SIGTERM');
    await grpcServer?.stop('SIGTERM');
    await database?.drop();
  });

  async function newPage(): Promise<WatchedPage> {
    const testPage = await newTestPage(browser!);
    contexts.push(testPage.context);
    const requestUrls: string[] = [];
    const consoleLines: string[] = [];
    testPage.page.on('request', (request) => requestUrls.push(request.url()));
    testPage.page.on('console', (message) => consoleLines.push(message.text()));
    return { ...testPage, requestUrls, consoleLines };
  }

  /** Types a key into the prompt and waits for what follows (the view, or the prompt again). */
  async function enterKey(page: Page, secret: string) {
    await page.fill('#key-input', secret);
    return afterNextLoad(page, () => page.click('#key-submit'));
  }

  const storedKey = (page: Page) => page.evaluate<string | null>(`sessionStorage.getItem(${JSON.stringify(STORAGE_KEY)})`);
  const meterOptions = (page: Page) => page.evaluate<string[]>("[...document.querySelectorAll('#meter option')].map((option) => option.value)");

  it('asks for a key when there is none, and says why a wrong key was refused, keeping nothing', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl)).toBe('key-needed');
    expect(await page.isVisible('#key-section')).toBe(true);
    expect(await page.getAttribute('#key-input', 'type')).toBe('password');
    expect(await page.textContent('#key-error')).toBe(''); // no key given yet: nothing was refused
    expect(await Promise.all(['#controls', '#status', '#summary', '#chart-section', '#upload-section', '#caller'].map((id) => page.isHidden(id)))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('key-input');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'access-key-prompt');

    const wrong = `${secrets.reader.slice(0, -6)}zzzzzz`;
    expect(await enterKey(page, wrong)).toBe('key-needed');
    expect(await page.textContent('#key-error')).toMatch(/^The key was not accepted: .+\(HTTP 401 UNAUTHENTICATED\)$/);
    expect(await page.getAttribute('#key-input', 'aria-invalid')).toBe('true');
    expect(await page.inputValue('#key-input')).toBe(''); // the form keeps no copy
    expect(await storedKey(page)).toBeNull();
    await screenshot(page, 'access-key-refused');
    expect(problems).toEqual([]);
  });

  it('with a read-only key granted meter-1: draws meter-1, hides the upload panel, keeps the key in sessionStorage only', async () => {
    const { page, problems, requestUrls, consoleLines } = await newPage();
    expect(await openDashboard(page, baseUrl)).toBe('key-needed');
    expect(await enterKey(page, secrets.reader)).toBe('ready');

    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: '15m', tz: 'UTC' });
    const cards = await readCards(page);
    expect({ expected: cards.expected, present: cards.present, missing: cards.missing }).toEqual({ expected: 2975, present: 2974, missing: 1 });
    expect(await page.textContent('[data-summary="total"] .card-value')).toBe('425,553.65 kWh');
    expect((await readChart(page)).length).toBe(2975);
    expect(await meterOptions(page)).toEqual(['meter-1']);
    expect([await page.textContent('#caller-name'), await page.textContent('#caller-scopes')]).toEqual(['dashboard-reader', '(read)']);
    expect(await page.isHidden('#upload-section')).toBe(true);
    expect(await page.isHidden('#key-section')).toBe(true);

    expect(await storedKey(page)).toBe(secrets.reader);
    expect(await page.evaluate<number>('localStorage.length')).toBe(0);
    await screenshot(page, 'access-read-only');

    // The download carries the key as a header (a plain link would be refused).
    await openDashboard(page, baseUrl, '/?meter=meter-1&from=2019-01-17&to=2019-01-18&bucket=hour&tz=UTC');
    const href = (await page.getAttribute('#download', 'href'))!;
    expect((await fetch(`${baseUrl}${href}`)).status).toBe(401);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('meter-1_2019-01-17_2019-01-18.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv).toBe(await (await fetch(`${baseUrl}${href}`, { headers: { authorization: `Bearer ${secrets.reader}` } })).text());
    expect(csv.trim().split('\n')).toHaveLength(97); // header and 96 quarter-hours

    // A reload keeps the key (same tab); "Forget key" drops it and asks again.
    await page.reload();
    expect(await settled(page)).toBe('ready');
    expect(await afterNextLoad(page, () => page.click('#forget-key'))).toBe('key-needed');
    expect(await storedKey(page)).toBeNull();
    expect([await page.isHidden('#caller'), await page.isVisible('#key-section'), await page.textContent('#key-error')]).toEqual([true, true, '']);

    expect(requestUrls.filter((url) => url.includes(secrets.reader))).toEqual([]);
    expect(consoleLines.filter((line) => line.includes(secrets.reader))).toEqual([]);
    expect(page.url()).not.toContain(secrets.reader);
    expect(problems).toEqual([]);
  });

  it('with a read+write key: shows the upload panel without the INGEST_TOKEN field, and an upload to a granted meter is written', async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl);
    expect(await enterKey(page, secrets.writer)).toBe('ready');
    expect(await page.textContent('#caller-scopes')).toBe('(read, write)');
    expect(await page.isVisible('#upload-section')).toBe(true);
    expect(await page.isHidden('#upload-token')).toBe(true);

    await page.fill('#upload-meter', 'access-upload');
    await page.setInputFiles('#upload-file', {
      name: 'march.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('time,meterusage\n2019-03-01 00:15:00,1.5\n2019-03-01 00:30:00,2.5\n'),
    });
    expect(
      await afterNextLoad(page, async () => {
        await page.click('#upload-submit');
        await page.waitForSelector('#upload-report[data-state="done"]');
      }),
    ).toBe('ready');
    const report = await readUploadReport(page);
    expect(report.heading).toBe('Written to access-upload');
    expect(report.counts).toEqual({ inserted: 2, updated: 0, unchanged: 0, skipped: 0, rejected: 0 });
    // Only the key's meters, the new one included; syn-0001 exists but is not granted.
    expect((await meterOptions(page)).sort()).toEqual(['access-upload', 'meter-1']);
    await screenshot(page, 'access-writer-upload');
    expect(problems).toEqual([]);
  });

  it("shows a read-only key the meter's uploads without Revert; a writer's key previews a revert with the key", async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl);
    expect(await enterKey(page, secrets.reader)).toBe('ready');
    await page.waitForSelector('#uploads-section[data-state="ready"]');
    const seed = await page.getAttribute('#uploads-table tbody tr[data-source="seed"]', 'data-upload-id');
    expect(seed).toMatch(/^\d+$/);
    await page.click(`#uploads-table tr[data-upload-id="${seed}"] .upload-select`);
    await page.waitForSelector(`#upload-details[data-upload-id="${seed}"]`);
    expect(await page.locator('#upload-details .revert-start').count()).toBe(0);
    expect(await page.locator('#upload-details').textContent()).toContain('Reverting needs a key with the write scope.');
    expect(await page.isHidden('#estimate-section')).toBe(true);

    expect(await afterNextLoad(page, () => page.click('#forget-key'))).toBe('key-needed');
    expect(await page.isHidden('#uploads-section')).toBe(true);
    expect(await enterKey(page, secrets.writer)).toBe('ready');
    await page.waitForSelector('#uploads-section[data-state="ready"]');
    expect(await page.isVisible('#estimate-section')).toBe(true);
    await page.click(`#uploads-table tr[data-upload-id="${seed}"] .upload-select`);
    // The dry run carries the key too (a 401 would show the key prompt); it writes nothing, so Cancel leaves meter-1 as it is.
    await page.click('#upload-details .revert-start');
    await page.waitForSelector('#upload-details .revert-flow[data-state="preview"]');
    expect(await page.getAttribute('#upload-details .revert-panel [data-count="removed"]', 'data-value')).toBe('2975');
    await page.click('#upload-details .revert-cancel');
    expect((await readCards(page)).present).toBe(2974);
    expect(problems).toEqual([]);
  });

  it('with a key granted only syn-*: lists only syn-0001 and shows it in place of the default or a linked meter; a revoked key is asked for again', async () => {
    const { page, problems } = await newPage();
    await openDashboard(page, baseUrl);
    expect(await enterKey(page, secrets.synReader)).toBe('ready');
    expect(await meterOptions(page)).toEqual(['syn-0001']);
    expect(urlQuery(page).meter).toBe('syn-0001');
    expect((await readStatus(page)).text).toMatch(/^The default meter is not among this key's meters; showing syn-0001\. syn-0001: /);
    expect((await readCards(page)).present).toBeGreaterThan(35_000); // a year of quarter-hours

    // A link naming a meter the key may not read.
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&from=2019-01-01&to=2019-01-08&bucket=day&tz=UTC')).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'syn-0001', from: '2019-01-01', to: '2019-01-08', bucket: 'day', tz: 'UTC' });
    expect((await readStatus(page)).text).toMatch(/^meter-1 is not among this key's meters; showing syn-0001\./);
    expect((await readChart(page)).length).toBe(7);
    expect(await page.inputValue('#meter')).toBe('syn-0001');
    await screenshot(page, 'access-other-meter');

    // Revoked while the page is open: the next request is refused, and the prompt says so.
    expect((await runKeysCli(['revoke', 'syn-reader'], database.url)).code).toBe(0);
    expect(await afterNextLoad(page, () => page.selectOption('#bucket', 'hour'))).toBe('key-needed');
    expect(await page.textContent('#key-error')).toMatch(/^The key was not accepted: /);
    expect(await storedKey(page)).toBeNull();

    // A key whose grants match no meter: a clear message, not a "not found" error.
    expect(await enterKey(page, secrets.nothing)).toBe('empty');
    expect(await readStatus(page)).toMatchObject({
      state: 'empty',
      text: 'No meters to show None of the meters the key no-meters is granted (nothing-*) exists yet.',
    });
    expect(await meterOptions(page)).not.toContain('meter-1');
    expect(problems).toEqual([]);
  });
});

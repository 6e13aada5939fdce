import { BrowserPages, screenshot, type PageOptions, type TestPage } from './support/browser';
import { afterNextLoad, horizontalOverflow, openDashboard, readCards, readChart, readStatus, urlQuery } from './support/browser-dashboard';
import { readComparison } from './support/browser-comparison';
import { readProfile } from './support/browser-insight';
import { heatmapPixel, readLoadShape } from './support/browser-load-shape';
import { startHttpStack, type HttpStack } from './support/http-stack';

jest.setTimeout(120_000);

interface ProfileJson {
  slots: Array<{ start: string; end: string; count: number; mean: number | null }>;
}

/**
 * The dashboard's typical day (GET /api/profile) in Chromium over real gateway and grpc-server
 * processes on a fresh database seeded with the sample month: the chart's lines and the table
 * against the API's own answers, in the selected zone, empty ranges, and the narrow dark layout.
 */
describe('dashboard typical day in Chromium over the real gateway, grpc-server and PostgreSQL', () => {
  let stack: HttpStack | undefined;
  let baseUrl: string;
  const pages = new BrowserPages();

  const profileOf = async (query: string) => (await (await fetch(`${baseUrl}/api/profile?meter=meter-1&bucket=hour&${query}`)).json()) as ProfileJson;
  const means = (profile: ProfileJson) => profile.slots.map((slot) => (slot.count > 0 ? slot.mean : null));

  beforeAll(async () => {
    stack = await startHttpStack('gateway_dashboard_insight');
    baseUrl = stack.baseUrl.origin;
    const gas = await fetch(`${baseUrl}/api/readings?meter=gas-2&unit=${encodeURIComponent('m³')}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'time,meterusage\n2019-01-01T00:15:00Z,1.5\n',
    });
    expect(gas.status).toBe(200);
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

  it.each(['Europe/Amsterdam', 'UTC'])('draws weekday and weekend means per local hour as GET /api/profile gives them (%s)', async (zone) => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, `/?meter=meter-1&tz=${encodeURIComponent(zone)}`)).toBe('ready');
    const shown = await readProfile(page);
    const [weekday, weekend] = await Promise.all([profileOf(`tz=${zone}&group=weekday`), profileOf(`tz=${zone}&group=weekend`)]);
    expect(shown.state).toBe('ready');
    expect(shown.hours).toEqual(Array.from({ length: 24 }, (_, hour) => hour));
    expect(shown.weekday).toEqual(means(weekday));
    expect(shown.weekend).toEqual(means(weekend));
    // The table: every hour, each group's mean and the days it is over.
    expect(shown.rows.map((row) => row[0])).toEqual(weekday.slots.map((slot) => `${slot.start}–${slot.end}`));
    shown.rows.forEach((row, hour) => {
      for (const [cell, slot] of [
        [row[1]!, weekday.slots[hour]!],
        [row[2]!, weekend.slots[hour]!],
      ] as const) {
        if (slot.count === 0) expect(cell).toBe('–');
        else expect(cell).toMatch(new RegExp(`^[\\d,.]+ kWh \\(${slot.count} d\\)$`));
      }
    });
    // The caption names each group's busiest hour, as the API's numbers have it.
    const busiest = (profile: ProfileJson) => profile.slots.filter((slot) => slot.count > 0).reduce((best, slot) => (slot.mean! > best.mean! ? slot : best));
    expect(shown.caption).toContain(`(${zone})`);
    expect(shown.caption).toContain(`Weekdays (Mon–Fri): busiest ${busiest(weekday).start}–${busiest(weekday).end}`);
    expect(shown.caption).toContain(`Weekends (Sat–Sun): busiest ${busiest(weekend).start}–${busiest(weekend).end}`);
    expect(problems).toEqual([]);
  });

  it('follows the range and hides for a range without data', async () => {
    const { page } = await newPage();
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&tz=UTC&from=2019-01-05&to=2019-01-07&bucket=hour')).toBe('ready');
    const weekendOnly = await readProfile(page);
    // 5 and 6 January 2019 are a Saturday and a Sunday: no weekday to draw.
    expect(weekendOnly.weekday.every((value) => value === null)).toBe(true);
    expect(weekendOnly.weekend).toEqual(means(await profileOf('tz=UTC&group=weekend&from=2019-01-05&to=2019-01-07')));
    expect(weekendOnly.caption).toContain('Weekdays (Mon–Fri): no complete hour in this range.');
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&tz=UTC&from=2020-01-01&to=2020-01-02')).toBe('empty');
    expect(await page.locator('#profile-section').isHidden()).toBe(true);
  });

  it('shows peak demand and base load in kW for a kWh meter as /api/summary gives them, and hides them for a gas meter', async () => {
    const gas = await fetch(`${baseUrl}/api/readings?meter=gas-1&unit=${encodeURIComponent('m³')}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'time,meterusage\n2019-01-01T00:15:00Z,1.5\n2019-01-01T00:30:00Z,2\n',
    });
    expect(gas.status).toBe(200);
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&tz=UTC&from=2019-01-14&to=2019-01-21')).toBe('ready');
    const api = (await (await fetch(`${baseUrl}/api/summary?meter=meter-1&from=2019-01-14T00:00:00Z&to=2019-01-21T00:00:00Z`)).json()) as {
      summary: { peakDemand: { value: number; unit: string }; baseLoad: { value: number; unit: string } };
    };
    const cards = await readCards(page);
    expect([cards.peakDemand, cards.baseLoad]).toEqual([api.summary.peakDemand.value, api.summary.baseLoad.value]);
    expect(api.summary.peakDemand.unit).toBe('kW');
    expect(cards.peakDemandText).toMatch(/ kW$/);
    expect(await openDashboard(page, baseUrl, '/?meter=gas-1&tz=UTC')).toBe('ready');
    expect(await readCards(page)).toMatchObject({ peakDemand: undefined, baseLoad: undefined, present: 2 });
    expect(problems).toEqual([]);
  });

  it('overlays the previous period in the chart and puts the differences on the cards, as the API aligns them, kept in the URL', async () => {
    const { page, problems } = await newPage();
    const range = 'meter=meter-1&tz=Europe%2FAmsterdam&from=2019-01-16&to=2019-01-31&bucket=day';
    expect(await openDashboard(page, baseUrl, `/?${range}`)).toBe('ready');
    const plain = await readComparison(page);
    expect(await afterNextLoad(page, () => page.selectOption('#compare', 'previous_period'))).toBe('ready');
    expect(urlQuery(page)).toMatchObject({ compare: 'previous_period', from: '2019-01-16', to: '2019-01-31' });
    type Compared = { comparison: { columns: { sum: Array<number | null>; presentCount: Array<number | null> } } };
    const usage = (await (await fetch(`${baseUrl}/api/usage?${range}&compare=previous_period&shape=columns`)).json()) as Compared;
    const summary = (await (await fetch(`${baseUrl}/api/summary?${range.replace('&bucket=day', '')}&compare=previous_period`)).json()) as {
      comparison: { differences: { total: number; totalPercent: number; peakDemand: number } };
    };
    const shown = await readComparison(page);
    expect(shown.seriesCount).toBe(plain.seriesCount + 1);
    expect(shown.lastLabel).toBe('Previous period');
    expect(shown.lastValues).toEqual(usage.comparison.columns.sum.map((sum, i) => ((usage.comparison.columns.presentCount[i] ?? 0) > 0 ? sum : null)));
    expect(shown.lastValues.filter((value) => value !== null)).toHaveLength(15); // 1–15 January against 16–30 January
    expect(Number(shown.totalDelta)).toBe(summary.comparison.differences.total);
    expect(Number(shown.peakDemandDelta)).toBe(summary.comparison.differences.peakDemand);
    expect(shown.totalText).toContain(`+${summary.comparison.differences.total.toLocaleString('en', { maximumFractionDigits: 2 })}`);
    expect(shown.totalText).toContain('on the previous period');
    // The year before has no data: the overlay is empty and the card says so.
    expect(await afterNextLoad(page, () => page.selectOption('#compare', 'previous_year'))).toBe('ready');
    const yearBefore = await readComparison(page);
    expect(yearBefore.lastLabel).toBe('Previous year');
    expect(yearBefore.lastValues.every((value) => value === null)).toBe(true);
    expect(yearBefore.totalText).toContain('nothing to compare in the previous year');
    expect(await afterNextLoad(page, () => page.selectOption('#compare', ''))).toBe('ready');
    expect(urlQuery(page).compare).toBeUndefined();
    expect((await readComparison(page)).seriesCount).toBe(plain.seriesCount);
    expect(problems).toEqual([]);
  });

  it('draws the heatmap and the load-duration curve of the range from its interval powers as the API gives them', async () => {
    const { page, problems } = await newPage();
    const zone = 'Europe/Amsterdam';
    expect(await openDashboard(page, baseUrl, `/?meter=meter-1&tz=${encodeURIComponent(zone)}&from=2019-01-07&to=2019-01-21`)).toBe('ready');
    const shown = await readLoadShape(page);
    expect(shown.state).toBe('ready');
    type Columns = { columns: { startMs: number[]; sum: Array<number | null>; presentCount: number[] } };
    const api = (await (
      await fetch(`${baseUrl}/api/usage?meter=meter-1&tz=${encodeURIComponent(zone)}&from=2019-01-07&to=2019-01-21&bucket=15m&quantity=power&shape=columns`)
    ).json()) as Columns;
    // The model: each interval's local date and quarter hour as Intl prints them.
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: 'numeric',
      minute: 'numeric',
    });
    const expected = new Map<string, number>();
    api.columns.startMs.forEach((startMs, i) => {
      if (api.columns.presentCount[i] === 0) return;
      const parts = Object.fromEntries(format.formatToParts(startMs).map((part) => [part.type, part.value]));
      expected.set(`${parts.year}-${parts.month}-${parts.day} ${Number(parts.hour) * 4 + Number(parts.minute) / 15}`, api.columns.sum[i]!);
    });
    const grid = shown.grid!;
    expect(grid.dates[0]).toBe('2019-01-07');
    expect(grid.dates.at(-1)).toBe('2019-01-20');
    expect(grid.slotsPerDay).toBe(96);
    const drawnCells = new Map<string, number>();
    grid.cells.forEach((row, r) => row.forEach((value, slot) => value !== null && drawnCells.set(`${grid.dates[r]} ${slot}`, value)));
    expect(drawnCells).toEqual(expected);
    // The canvas: the highest cell in the ramp's darkest colour, a cell without a reading in the missing colour.
    const [maxRow, maxSlot] = [...drawnCells.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0].split(' ');
    expect(await heatmapPixel(page, grid.dates.indexOf(maxRow!), Number(maxSlot))).toEqual([8, 48, 107]); // --heat-high, #08306b
    expect(shown.heatmapCaption).toContain(`one row per local day from 2019-01-07 to 2019-01-20`);
    // The duration curve: every interval power, highest first, against the share of time at or above it.
    const powers = [...expected.values()].sort((a, b) => b - a);
    expect(shown.durationValues).toEqual(powers);
    expect(shown.durationShares.at(-1)).toBe(100);
    expect(shown.durationShares[0]).toBeCloseTo(100 / powers.length, 9);
    expect(problems).toEqual([]);
  });

  it('shows the share of energy outside the operating hours typed in, as /api/summary gives it, kept in the URL; a malformed entry is named', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&tz=Europe%2FAmsterdam')).toBe('ready');
    const card = '[data-summary="outside-hours"]';
    expect(await page.isHidden(card)).toBe(true);
    await page.fill('#schedule', 'mon-fri 07:00-19:00');
    expect(await afterNextLoad(page, () => page.press('#schedule', 'Enter'))).toBe('ready');
    // Enter takes the hours alone: the view stays "all data" (no from/to applied from the range form).
    expect(urlQuery(page)).toMatchObject({ meter: 'meter-1', schedule: 'mon-fri 07:00-19:00', tz: 'Europe/Amsterdam' });
    expect([urlQuery(page).from, urlQuery(page).to]).toEqual([undefined, undefined]);
    const api = (await (
      await fetch(`${baseUrl}/api/summary?meter=meter-1&tz=Europe%2FAmsterdam&schedule=${encodeURIComponent('mon-fri 07:00-19:00')}`)
    ).json()) as {
      summary: { schedule: { outsideShare: number; outsideTotal: number } };
    };
    expect(await page.isVisible(card)).toBe(true);
    expect(Number(await page.getAttribute(card, 'data-value'))).toBe(api.summary.schedule.outsideShare);
    expect(await page.textContent(`${card} .card-value`)).toBe(
      `${(api.summary.schedule.outsideShare * 100).toLocaleString('en', { maximumFractionDigits: 1 })} %`,
    );
    await page.fill('#schedule', 'weekdays 07:00-19:00');
    expect(await afterNextLoad(page, () => page.press('#schedule', 'Tab'))).toBe('error');
    expect((await readStatus(page)).text).toContain('schedule: entry "weekdays 07:00-19:00": "weekdays" is not a weekday');
    expect(await page.getAttribute('#schedule', 'aria-invalid')).toBe('true');
    await page.fill('#schedule', '');
    expect(await afterNextLoad(page, () => page.press('#schedule', 'Tab'))).toBe('ready');
    expect(urlQuery(page).schedule).toBeUndefined();
    expect(await page.isHidden(card)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('switches the chart and the table between energy and average power, kept in the URL; refuses power for a gas meter', async () => {
    const { page, problems } = await newPage();
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&tz=UTC&bucket=day')).toBe('ready');
    expect(await afterNextLoad(page, () => page.selectOption('#quantity', 'power'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: 'day', quantity: 'power', tz: 'UTC' });
    const api = (await (await fetch(`${baseUrl}/api/usage?meter=meter-1&tz=UTC&bucket=day&quantity=power&shape=columns`)).json()) as {
      unit: string;
      columns: { sum: Array<number | null> };
    };
    expect(api.unit).toBe('kW');
    expect((await readChart(page)).values).toEqual(api.columns.sum);
    expect(await page.textContent('#usage-header')).toBe('Average power (kW)');
    expect(await page.textContent('#chart-heading')).toBe('Average power per day, meter-1');
    // A reload keeps it; back to energy leaves the URL without it.
    await page.reload();
    expect(await openDashboard(page, baseUrl, `/?${new URL(page.url()).searchParams.toString()}`)).toBe('ready');
    expect(await page.inputValue('#quantity')).toBe('power');
    expect(await afterNextLoad(page, () => page.selectOption('#quantity', 'energy'))).toBe('ready');
    expect(urlQuery(page)).toEqual({ meter: 'meter-1', bucket: 'day', tz: 'UTC' });
    expect(await page.textContent('#usage-header')).toBe('Usage (kWh)');
    // A gas meter has no power: the API's refusal, with the control marked.
    expect(await openDashboard(page, baseUrl, '/?meter=gas-2&tz=UTC&quantity=power')).toBe('error');
    expect((await readStatus(page)).text).toContain('quantity: power needs an energy meter (kWh, Wh or MWh); meter "gas-2" measures m³');
    expect(await page.getAttribute('#quantity', 'aria-invalid')).toBe('true');
    expect(problems).toEqual([]);
  });

  it('fits a 360 px screen in the dark colour scheme with dark line colours', async () => {
    const { page, problems } = await newPage({ width: 360, height: 800, colorScheme: 'dark' });
    expect(await openDashboard(page, baseUrl, '/?meter=meter-1&tz=Europe/Amsterdam')).toBe('ready');
    const shown = await readProfile(page);
    expect(shown.state).toBe('ready');
    expect(shown.weekendStroke).toBe('#56d364');
    expect(await horizontalOverflow(page)).toBe(0);
    await page.locator('#profile-section').scrollIntoViewIfNeeded();
    await screenshot(page, 'phone-dark-typical-day');
    expect(problems).toEqual([]);
  });
});

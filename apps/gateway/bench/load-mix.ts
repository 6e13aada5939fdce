// The request mix of the load benchmark: what a few dashboards and scripts ask the gateway for,
// weighted, on random meters and dates of the synthetic data, plus a small share of invalid
// requests whose 400/404 is the expected answer.
import type { HttpClient, Operation, Recorder } from './load-driver';

const AMSTERDAM = 'Europe/Amsterdam';
const PAGE_WALK_ROUTE = 'GET /api/readings 1 month, pages of 1000';

export interface MixEntry {
  /** The route label the report groups by. */
  route: string;
  /** Relative share of the operations picked. */
  weight: number;
  operation: Operation;
}

/** Where the synthetic data lies: its meters and whole UTC years. */
export interface MixData {
  meterIds: string[];
  startYear: number;
  years: number;
}

/** Requests that must be refused, with the status each must get. */
const INVALID_REQUESTS: { path: string; status: number }[] = [
  { path: '/api/readings?page_size=0', status: 400 },
  { path: '/api/readings?page_token=not-a-token', status: 400 },
  { path: '/api/readings?form=2019-01-01', status: 400 },
  { path: '/api/usage?bucket=year', status: 400 },
  { path: '/api/usage?tz=Mars/Olympus_Mons', status: 400 },
  { path: '/api/summary?from=2019-02-01&to=2019-01-01', status: 400 },
  { path: '/api/readings?meter=no-such-meter&from=2019-01-01&to=2019-01-02', status: 404 },
  { path: '/api/no-such-route', status: 404 },
];

/** The weighted mix; `random` (0 ≤ x < 1) picks meters and dates, so a seed gives the same sequence. */
export function queryMix(client: HttpClient, data: MixData, random: () => number): MixEntry[] {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const meter = () => pick(data.meterIds);
  const year = () => data.startYear + Math.floor(random() * data.years);
  const isoDate = (y: number, month: number, day: number) => new Date(Date.UTC(y, month, day)).toISOString().slice(0, 10);
  const randomDay = () => {
    const y = year();
    const day = Math.floor(random() * 365);
    return { from: isoDate(y, 0, 1 + day), to: isoDate(y, 0, 2 + day) };
  };
  const randomMonth = () => {
    const [y, month] = [year(), Math.floor(random() * 12)];
    return { from: isoDate(y, month, 1), to: isoDate(y, month + 1, 1) };
  };
  const range = ({ from, to }: { from: string; to: string }) => `from=${from}&to=${to}`;
  const wholeYear = () => {
    const y = year();
    return { from: `${y}-01-01`, to: `${y + 1}-01-01` };
  };
  // Each GET entry: route label, weight, and the path of its next request.
  const gets: [route: string, weight: number, path: () => string][] = [
    ['GET /healthz', 4, () => '/healthz'],
    ['GET /api/meters', 4, () => '/api/meters'],
    ['GET /api/readings 1 day', 16, () => `/api/readings?meter=${meter()}&${range(randomDay())}`],
    ['GET /api/usage 1 month by day', 14, () => `/api/usage?meter=${meter()}&${range(randomMonth())}&bucket=day`],
    ['GET /api/usage 1 year by day, Amsterdam', 10, () => `/api/usage?meter=${meter()}&${range(wholeYear())}&bucket=day&tz=${AMSTERDAM}`],
    ['GET /api/usage 1 year by hour', 3, () => `/api/usage?meter=${meter()}&${range(wholeYear())}&bucket=hour`],
    ['GET /api/summary 1 month', 12, () => `/api/summary?meter=${meter()}&${range(randomMonth())}`],
    ['GET /api/export 1 day CSV', 6, () => `/api/export?meter=${meter()}&${range(randomDay())}&format=csv`],
  ];
  const entries: MixEntry[] = gets.map(([route, weight, path]) => ({
    route,
    weight,
    operation: async (recorder) => void (await client.get(recorder, route, path())),
  }));
  entries.push(
    { route: PAGE_WALK_ROUTE, weight: 8, operation: (recorder) => walkPages(client, recorder, meter(), randomMonth()) },
    {
      route: 'invalid (expected 400/404)',
      weight: 5,
      operation: async (recorder) => {
        const invalid = pick(INVALID_REQUESTS);
        await client.get(recorder, 'invalid (expected 400/404)', invalid.path, [invalid.status]);
      },
    },
  );
  return entries;
}

/**
 * Reads a month in pages of 1,000 as a client does: each page's nextPageToken asks for the next.
 * Every page is one request of the route; a walk that ends early or never ends counts as a failure.
 */
async function walkPages(client: HttpClient, recorder: Recorder, meterId: string, range: { from: string; to: string }): Promise<void> {
  const route = PAGE_WALK_ROUTE;
  const expectedReadings = (Date.parse(range.to) - Date.parse(range.from)) / 900_000;
  let [token, readings] = ['', 0];
  for (let page = 0; page < 10; page += 1) {
    const query = `meter=${meterId}&from=${range.from}&to=${range.to}&page_size=1000${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
    const response = await client.get(recorder, route, `/api/readings?${query}`);
    if (response?.status !== 200) return;
    const body = JSON.parse(response.body.toString('utf8')) as { readings: unknown[]; nextPageToken: string };
    readings += body.readings.length;
    token = body.nextPageToken;
    if (token === '') break;
  }
  if (readings !== expectedReadings || token !== '') recorder.fail(route, `page walk gave ${readings} of ${expectedReadings} readings`);
}

/** Picks entries in proportion to their weights. */
export function weightedPicker(entries: readonly MixEntry[], random: () => number): () => Operation {
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  return () => {
    let left = random() * total;
    for (const entry of entries) {
      left -= entry.weight;
      if (left < 0) return entry.operation;
    }
    return entries.at(-1)!.operation;
  };
}

/** A small seeded generator (mulberry32): the same seed gives the same request sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

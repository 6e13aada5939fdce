import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { createKeyWithCli, SAMPLE_CSV_PATH, startGrpcServer, type TestDatabase } from '@meterusage/testing';
import { startKeyedStack, type KeyedStack } from './support/keyed-stack';

jest.setTimeout(300_000);

// Upload records as a client meets them: real grpc-server (AUTH_MODE=keys) and gateway processes
// on a fresh database. Every committed write leaves one record, with its origin, the SHA-256 of
// its bytes, its options and its report; a key sees only the uploads all of whose meters it is
// granted.

interface ReportJson {
  committed: boolean;
  inserted: number;
  updated: number;
  uploadId?: string;
  meters: Array<{ meterId: string }>;
}
interface UploadJson {
  uploadId: string;
  receivedAt: string;
  committedAt: string;
  source: string;
  caller: string;
  fileName?: string;
  sha256: string;
  options: Record<string, string>;
  meterIds: string[];
  report: ReportJson;
}

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('upload records (real processes, AUTH_MODE=keys)', () => {
  let stack: KeyedStack | undefined;
  let database: TestDatabase;
  let baseUrl: string;
  const bearer = new Map<string, string>();

  beforeAll(async () => {
    stack = await startKeyedStack('uploads', { AUTH_FAILURE_DELAY_MS: '0' });
    ({ database, baseUrl } = stack);
    for (const [name, meters] of [
      ['all', '*'],
      ['site-1', 'site-1-*'],
    ] as const) {
      bearer.set(name, `Bearer ${await createKeyWithCli(database.url, name, 'read,write', meters)}`);
    }
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function upload(key: string, csv: string, query = '') {
    const response = await fetch(`${baseUrl}/api/readings${query}`, {
      method: 'POST',
      headers: { authorization: bearer.get(key)!, 'content-type': 'text/csv' },
      body: csv,
    });
    return { status: response.status, report: (await response.json()) as ReportJson };
  }
  async function get<Body>(key: string, path: string) {
    const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: bearer.get(key)! } });
    return { status: response.status, body: (await response.json()) as Body };
  }
  /** Every upload the key sees, page by page (page_size pages). */
  async function allUploads(key: string, query: string, pageSize: number): Promise<UploadJson[]> {
    const uploads: UploadJson[] = [];
    let token = '';
    do {
      const page = await get<{ uploads: UploadJson[]; nextPageToken: string }>(key, `/api/uploads?page_size=${pageSize}${query}&page_token=${token}`);
      expect(page.status).toBe(200);
      uploads.push(...page.body.uploads);
      token = page.body.nextPageToken;
    } while (token !== '');
    return uploads;
  }

  it('records the seed once, with its file and fingerprint, and not again when a restart finds it stored', async () => {
    const restarted = await startGrpcServer({ DATABASE_URL: database.url, METER_ID: 'meter-1', CSV_PATH: SAMPLE_CSV_PATH, AUTH_MODE: 'keys' });
    await restarted.stop();
    const seeds = (await allUploads('all', '&meter=meter-1', 50)).filter((record) => record.source === 'seed');
    expect(seeds).toEqual([
      expect.objectContaining({
        caller: 'grpc-server',
        fileName: 'meterusage.csv',
        sha256: sha256(readFileSync(SAMPLE_CSV_PATH)),
        meterIds: ['meter-1'],
        report: expect.objectContaining({ committed: true, inserted: 2974 + 1, uploadId: seeds[0]?.uploadId }),
      }),
    ]);
  });

  it('gives a committed upload an id, and its record says who sent what, when, how and with which result', async () => {
    const csv = 'time,meterusage\n2021-01-01T00:15:00Z,1.5\n2021-01-01T00:30:00Z,2\n';
    const before = Date.now();
    const { status, report } = await upload('all', csv, '?meter=rec-1&file_name=january.csv&on_conflict=skip&tz=Europe/Amsterdam');
    expect([status, report.committed, report.uploadId]).toEqual([200, true, expect.stringMatching(/^\d+$/)]);
    const record = await get<{ upload: UploadJson }>('all', `/api/uploads/${report.uploadId}`);
    expect(record.status).toBe(200);
    expect(record.body.upload).toEqual({
      uploadId: report.uploadId,
      receivedAt: expect.any(String),
      committedAt: expect.any(String),
      source: 'POST /api/readings',
      caller: 'all',
      fileName: 'january.csv',
      sha256: sha256(csv),
      options: { meter: 'rec-1', tz: 'Europe/Amsterdam', on_conflict: 'skip', mode: 'atomic' },
      meterIds: ['rec-1'],
      report,
      revertible: true,
    });
    const received = Date.parse(record.body.upload.receivedAt);
    expect(received).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(record.body.upload.committedAt)).toBeGreaterThanOrEqual(received);
  });

  it('leaves no record of an upload that wrote nothing', async () => {
    const before = await allUploads('all', '', 1000);
    const { status, report } = await upload('all', 'time,meterusage\n2021-01-01T00:15:00Z,-1\n', '?meter=rec-2');
    expect([status, report.committed, report.uploadId]).toEqual([422, false, undefined]);
    expect(await allUploads('all', '', 1000)).toEqual(before);
  });

  it('lists every upload newest first across pages, by meter, as a model of the generated uploads says', async () => {
    const meters = ['gen-a', 'gen-b', 'gen-c'];
    const made: Array<{ uploadId: string; meterIds: string[] }> = [];
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom(...meters), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 95 }),
        async (uploadMeters, slot) => {
          const time = new Date(Date.parse('2021-02-01T00:15:00Z') + slot * 900_000).toISOString();
          const csv = `time,meterusage,meter_id\n${uploadMeters.map((meter) => `${time},${slot},${meter}`).join('\n')}\n`;
          const { status, report } = await upload('all', csv);
          expect(status).toBe(200);
          made.push({ uploadId: report.uploadId!, meterIds: [...uploadMeters].sort() });
        },
      ),
      { numRuns: 15 },
    );
    const newestFirst = [...made].reverse();
    for (const pageSize of [1, 4, 50]) {
      const listed = (await allUploads('all', '', pageSize)).filter((record) => record.meterIds.some((meter) => meters.includes(meter)));
      expect(listed.map((record) => [record.uploadId, record.meterIds])).toEqual(newestFirst.map((record) => [record.uploadId, record.meterIds]));
    }
    for (const meter of meters) {
      const listed = await allUploads('all', `&meter=${meter}`, 3);
      expect(listed.map((record) => record.uploadId)).toEqual(newestFirst.filter((record) => record.meterIds.includes(meter)).map((record) => record.uploadId));
    }
    // A token belongs to its query.
    const first = await get<{ nextPageToken: string }>('all', '/api/uploads?page_size=1&meter=gen-a');
    const other = await get<{ error: { code: string; message: string } }>('all', `/api/uploads?page_size=1&meter=gen-b&page_token=${first.body.nextPageToken}`);
    expect([other.status, other.body.error.message]).toEqual([400, 'page_token: belongs to a different query: keep meter unchanged while paging']);
  });

  it("shows a key only the uploads all of whose meters it is granted, and answers another's as not found", async () => {
    const own = await upload('site-1', 'time,meterusage,meter_id\n2021-03-01T00:15:00Z,1,site-1-a\n2021-03-01T00:15:00Z,1,site-1-b\n');
    const mixed = await upload('all', 'time,meterusage,meter_id\n2021-03-01T00:15:00Z,1,site-1-a\n2021-03-01T00:15:00Z,1,site-2-a\n');
    expect([own.status, mixed.status]).toEqual([200, 200]);
    const seen = await allUploads('site-1', '', 1000);
    expect(seen.map((record) => record.uploadId)).toEqual([own.report.uploadId]);
    expect(JSON.stringify(seen)).not.toContain('site-2-a');
    const hidden = await get<{ error: { message: string } }>('site-1', `/api/uploads/${mixed.report.uploadId}`);
    const unknown = await get<{ error: { message: string } }>('site-1', '/api/uploads/999999999');
    expect([hidden.status, hidden.body.error.message.replace(mixed.report.uploadId!, 'N')]).toEqual([
      404,
      unknown.body.error.message.replace('999999999', 'N'),
    ]);
    expect((await get('site-1', '/api/uploads?meter=site-2-a')).status).toBe(404);
    expect((await get<{ error: { details: unknown } }>('site-1', '/api/uploads/abc')).body.error.details).toEqual([
      { field: 'id', description: 'must be an upload\'s id (decimal digits), got "abc"' },
    ]);
  });
  it('answers any upload id or page token with 200, 400 or 404 and a JSON error, never a 5xx (generated values)', async () => {
    const digits = fc.stringMatching(/^\d{1,25}$/);
    const id = fc.oneof(digits, fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('9223372036854775807', '9223372036854775808', '0', '01'));
    const token = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.tuple(fc.constantFrom('', 'gen-a'), digits).map(([meter, before]) => Buffer.from(JSON.stringify({ v: 1, m: meter, b: before })).toString('base64url')),
    );
    await fc.assert(
      fc.asyncProperty(id, token, async (uploadId, pageToken) => {
        for (const path of [`/api/uploads/${encodeURIComponent(uploadId)}`, `/api/uploads?page_token=${encodeURIComponent(pageToken)}`]) {
          const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: bearer.get('all')! } });
          const body = (await response.json()) as { error?: { code: string; message: string } };
          expect([path, [200, 400, 404].includes(response.status)]).toEqual([path, true]);
          if (response.status >= 400) expect([path, typeof body.error?.message]).toEqual([path, 'string']);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reads as of an earlier commit, lists every version, reverts a correction and estimates a gap, over HTTP', async () => {
    const meter = 'site-1-history';
    const at = (minute: number) => new Date(Date.UTC(2022, 0, 1, 0, minute)).toISOString();
    const first = await upload('all', `time,meterusage\n${at(15)},1\n${at(30)},2\n${at(45)},NaN\n${at(60)},4\n`, `?meter=${meter}`);
    const second = await upload('site-1', `time,meterusage,quality\n${at(15)},1.5,edited\n`, `?meter=${meter}`);
    expect([first.status, second.status, second.report.updated]).toEqual([200, 200, 1]);
    const firstRecord = await get<{ upload: UploadJson }>('all', `/api/uploads/${first.report.uploadId}`);
    type Readings = { readings: Array<{ usage?: number; quality: string; uploadId?: string }> };
    const values = async (query = '') =>
      (await get<Readings>('all', `/api/readings?meter=${meter}${query}`)).body.readings.map((r) => [r.usage ?? null, r.quality, r.uploadId]);

    expect(await values()).toEqual([
      [1.5, 'READING_QUALITY_EDITED', second.report.uploadId],
      [2, 'READING_QUALITY_MEASURED', first.report.uploadId],
      [null, 'READING_QUALITY_MISSING_IN_SOURCE', first.report.uploadId],
      [4, 'READING_QUALITY_MEASURED', first.report.uploadId],
    ]);
    expect((await values(`&as_of=${firstRecord.body.upload.committedAt}`))[0]).toEqual([1, 'READING_QUALITY_MEASURED', first.report.uploadId]);
    const history = await get<{ versions: Array<{ usage: number; current: boolean; replacedBy?: string }> }>(
      'all',
      `/api/readings/history?meter=${meter}&to=${at(15)}`,
    );
    expect(history.body.versions.map((v) => [v.usage, v.current, v.replacedBy])).toEqual([
      [1, false, second.report.uploadId],
      [1.5, true, undefined],
    ]);

    const revert = (query: string) =>
      fetch(`${baseUrl}/api/uploads/${second.report.uploadId}/revert${query}`, { method: 'POST', headers: { authorization: bearer.get('all')! } });
    const dry = (await (await revert('?dry_run=true')).json()) as { restored: number; uploadId?: string };
    expect(dry).toMatchObject({ restored: 1, dryRun: true });
    expect(dry.uploadId).toBeUndefined();
    expect((await values())[0]![0]).toBe(1.5);
    const done = (await (await revert('')).json()) as { restored: number; uploadId: string };
    expect(done).toMatchObject({ restored: 1, conflicts: 0, uploadId: expect.stringMatching(/^[0-9]+$/) });
    expect((await values())[0]).toEqual([1, 'READING_QUALITY_MEASURED', done.uploadId]);
    expect(await (await revert('')).json()).toMatchObject({ restored: 0, unchanged: 1 });

    const estimate = await fetch(`${baseUrl}/api/meters/${meter}/estimate?from=${at(0)}&to=${at(60)}&method=linear`, {
      method: 'POST',
      headers: { authorization: bearer.get('site-1')! },
    });
    expect(await estimate.json()).toMatchObject({ gaps: 1, estimated: 1, leftEmpty: 0, method: 'linear' });
    expect((await values())[2]).toEqual([3, 'READING_QUALITY_ESTIMATED', expect.any(String)]);
    const summary = await get<{ summary: { estimatedCount: number; editedCount: number } }>('all', `/api/summary?meter=${meter}`);
    expect([summary.body.summary.estimatedCount, summary.body.summary.editedCount]).toEqual([1, 0]);

    // Our own export loads back into a new meter with its qualities.
    const exported = await (await fetch(`${baseUrl}/api/export?meter=${meter}`, { headers: { authorization: bearer.get('all')! } })).text();
    expect(exported).toContain('READING_QUALITY_ESTIMATED');
    const copy = await upload('all', exported.replaceAll(meter, 'site-1-copy'), '?meter=site-1-copy');
    expect(copy.status).toBe(200);
    const strip = (rows: unknown[][]) => rows.map(([usage, quality]) => [usage, quality]);
    expect(strip((await get<Readings>('all', '/api/readings?meter=site-1-copy')).body.readings.map((r) => [r.usage ?? null, r.quality, r.uploadId]))).toEqual(
      strip(await values()),
    );

    // Reads refuse an instant still to come.
    expect((await get<unknown>('all', `/api/readings?meter=${meter}&as_of=2999-01-01T00:00:00Z`)).status).toBe(400);
  });
});

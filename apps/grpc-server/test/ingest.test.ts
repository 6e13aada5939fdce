import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { ConflictPolicy, IngestMode, IngestOptions } from '@meterusage/contracts';
import { openMigratedDatabase, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

const csv = (rows: Array<[string, string]>, header = 'time,meterusage') => `${header}\n${rows.map((row) => row.join(',')).join('\n')}\n`;
/** Quarter-hour labels (interval ends) from a start, with values i + 0.5. */
const quarterRows = (firstEndIso: string, count: number, value = (index: number) => `${index}.5`): Array<[string, string]> =>
  Array.from({ length: count }, (_, index) => [new Date(Date.parse(firstEndIso) + index * 900_000).toISOString(), value(index)]);

describe('IngestReadings against a real PostgreSQL', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;

  beforeAll(async () => {
    handle = await openMigratedDatabase('ingest');
    grpc = await startTestGrpc(handle);
  }, 60_000);
  afterAll(async () => {
    await grpc.close();
    await handle.close();
  });

  const stored = async (meterId: string) =>
    (
      await handle.database.pool.query<{ start: string; usage: string | null }>(
        `select to_char(interval_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') as start, usage::text from readings where meter_id = $1 order by interval_start`,
        [meterId],
      )
    ).rows;
  const meterExists = async (meterId: string) => (await handle.database.pool.query('select 1 from meters where meter_id = $1', [meterId])).rowCount === 1;

  it('inserts a new file, reports every row, creates the meter with its unit', async () => {
    const { meterId, report } = await upload(grpc.client, csv(quarterRows('2020-01-01T00:15:00Z', 96)), { meterId: 'new-1', unit: 'MWh' });
    expect(meterId).toBe('new-1');
    expect(report).toMatchObject({
      committed: true,
      accepted: 96,
      inserted: 96,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      rejected: 0,
      errors: [],
      metersCreated: ['new-1'],
      firstIntervalStart: new Date('2020-01-01T00:00:00Z'),
      lastIntervalEnd: new Date('2020-01-02T00:00:00Z'),
    });
    expect(await stored('new-1')).toHaveLength(96);
    const unit = await handle.database.pool.query(`select unit from meters where meter_id = 'new-1'`);
    expect(unit.rows).toEqual([{ unit: 'MWh' }]);
  });

  it('changes nothing when the same file comes again, and says every row is unchanged', async () => {
    const before = await stored('new-1');
    const { report } = await upload(grpc.client, csv(quarterRows('2020-01-01T00:15:00Z', 96)), { meterId: 'new-1' });
    expect(report).toMatchObject({ committed: true, accepted: 96, inserted: 0, updated: 0, unchanged: 96, metersCreated: [] });
    expect(await stored('new-1')).toEqual(before);
  });

  it('applies corrections (on_conflict=update, the default) and counts what changed', async () => {
    const corrected = quarterRows('2020-01-01T00:15:00Z', 96, (index) => (index % 10 === 0 ? `${index}.75` : `${index}.5`));
    const { report } = await upload(grpc.client, csv([...corrected, ['2020-01-02T00:15:00Z', 'NaN']]), { meterId: 'new-1' });
    expect(report).toMatchObject({ committed: true, accepted: 97, inserted: 1, updated: 10, unchanged: 86 });
    const rows = await stored('new-1');
    expect(rows[0]).toEqual({ start: '2020-01-01T00:00Z', usage: '0.75' });
    expect(rows[1]).toEqual({ start: '2020-01-01T00:15Z', usage: '1.5' });
    expect(rows[96]).toEqual({ start: '2020-01-02T00:00Z', usage: null });
  });

  it('keeps stored values with on_conflict=skip and counts the differing rows as skipped', async () => {
    const { report } = await upload(grpc.client, csv(quarterRows('2020-01-01T00:15:00Z', 4, () => '999')), {
      meterId: 'new-1',
      onConflict: ConflictPolicy.CONFLICT_POLICY_SKIP,
    });
    expect(report).toMatchObject({ committed: true, accepted: 4, inserted: 0, updated: 0, skipped: 4, unchanged: 0 });
    expect((await stored('new-1'))[0]!.usage).toBe('0.75');
  });

  it('rejects differing values with on_conflict=reject: atomic writes nothing, partial writes the rest', async () => {
    const rows = [...quarterRows('2020-01-01T00:15:00Z', 2, () => '555'), ...quarterRows('2020-01-03T00:15:00Z', 2)];
    const atomic = await upload(grpc.client, csv(rows), { meterId: 'new-1', onConflict: ConflictPolicy.CONFLICT_POLICY_REJECT });
    expect(atomic.report).toMatchObject({ committed: false, accepted: 2, rejected: 2, inserted: 0 });
    expect(atomic.report!.errors).toEqual([
      { line: 2, field: 'meterusage', reason: 'conflicts with the stored value 0.75 (on_conflict=reject)' },
      { line: 3, field: 'meterusage', reason: 'conflicts with the stored value 1.5 (on_conflict=reject)' },
    ]);
    expect(await stored('new-1')).toHaveLength(97);
    const partial = await upload(grpc.client, csv(rows), {
      meterId: 'new-1',
      onConflict: ConflictPolicy.CONFLICT_POLICY_REJECT,
      mode: IngestMode.INGEST_MODE_PARTIAL,
    });
    expect(partial.report).toMatchObject({ committed: true, accepted: 2, rejected: 2, inserted: 2 });
    expect(await stored('new-1')).toHaveLength(99);
  });

  it('writes the valid rows in partial mode and reports each rejected line', async () => {
    const text = csv([
      ['2020-02-01T00:15:00Z', '1'],
      ['2020-02-01T00:20:00Z', '2'],
      ['2020-02-01T00:30:00Z', '-3'],
      ['2020-02-01T00:45:00Z', '4'],
    ]);
    const { report } = await upload(grpc.client, text, { meterId: 'partial-1', mode: IngestMode.INGEST_MODE_PARTIAL });
    expect(report).toMatchObject({ committed: true, accepted: 2, inserted: 2, rejected: 2 });
    expect(report!.errors).toEqual([
      { line: 3, field: 'time', reason: 'time "2020-02-01T00:20:00Z" is not on the 15-minute grid' },
      { line: 4, field: 'meterusage', reason: 'usage -3 is negative' },
    ]);
    expect(await stored('partial-1')).toEqual([
      { start: '2020-02-01T00:00Z', usage: '1' },
      { start: '2020-02-01T00:30Z', usage: '4' },
    ]);
  });

  describe('a corpus of bad files, each rejected precisely with nothing written (atomic)', () => {
    const enormousLine = `time,meterusage\n2020-01-01 00:15:00,${'9'.repeat(200_000)}\n`;
    // The first bytes of a PNG image: what an upload of the wrong file looks like.
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0xff, 0xfe, 0x2c, 0x0a]);
    it.each([
      [
        'unparseable time',
        csv([
          ['2020-01-01 00:15:00', '1'],
          ['yesterday', '2'],
        ]),
        { line: 3, field: 'time', reason: 'unparseable time "yesterday": expected "YYYY-MM-DD HH:MM:SS" or RFC 3339' },
        {},
      ],
      [
        'a time in the spring DST gap',
        csv([['2019-03-31 02:15:00', '1']]),
        { line: 2, field: 'time', reason: 'local time "2019-03-31 02:15:00" does not exist in Europe/Amsterdam (skipped by a DST change)' },
        { timeZone: 'Europe/Amsterdam' },
      ],
      [
        'an ambiguous autumn time out of order',
        csv([
          ['2019-10-27 03:30:00', '1'],
          ['2019-10-27 02:15:00', '2'],
        ]),
        {
          line: 3,
          field: 'time',
          reason: 'local time "2019-10-27 02:15:00" is ambiguous in Europe/Amsterdam (repeated by a DST change) and out of order; write it with a UTC offset',
        },
        { timeZone: 'Europe/Amsterdam' },
      ],
      [
        'a time off the 15-minute grid',
        csv([['2020-01-01 00:16:00', '1']]),
        { line: 2, field: 'time', reason: 'time "2020-01-01 00:16:00" is not on the 15-minute grid' },
        {},
      ],
      ['a negative value', csv([['2020-01-01 00:15:00', '-0.5']]), { line: 2, field: 'meterusage', reason: 'usage -0.5 is negative' }, {}],
      [
        'a non-numeric value',
        csv([['2020-01-01 00:15:00', '12 kWh']]),
        { line: 2, field: 'meterusage', reason: '"12 kWh" is not a number (a missing reading is written NaN or left empty)' },
        {},
      ],
      [
        'a duplicate time',
        csv([
          ['2020-01-01 00:15:00', '1'],
          ['2020-01-01 00:30:00', '2'],
          ['2020-01-01 00:15:00', '3'],
        ]),
        { line: 4, field: 'time', reason: 'duplicate time: line 2 already has a reading for this interval' },
        {},
      ],
      ['a wrong column count', csv([['2020-01-01 00:15:00', '1,2']]), { line: 2, field: 'row', reason: 'expected 2 fields, found 3' }, {}],
      ['a 0-byte file', '', { line: 1, field: 'file', reason: 'the file is empty' }, {}],
      ['a header-only file', 'time,meterusage\n', { line: 2, field: 'file', reason: 'the file has a header but no readings' }, {}],
      ['a binary file', binary, { line: 1, field: 'header', reason: expect.stringMatching(/^missing header: /) }, {}],
      [
        'a wrong header',
        'timestamp,kwh\n2020-01-01 00:15:00,1\n',
        { line: 1, field: 'header', reason: 'missing header: expected columns "time,meterusage" (optionally meter_id), found "timestamp,kwh"' },
        {},
      ],
      ['a single enormous line', enormousLine, { line: 2, field: 'row', reason: 'line is longer than 65536 characters' }, {}],
    ] as const)('%s', async (_name, content, firstError, options) => {
      const meterId = `bad-${randomBytes(3).toString('hex')}`;
      const { report } = await upload(grpc.client, content, { meterId, ...options }, 1000);
      expect(report!.committed).toBe(false);
      expect(report!.inserted).toBe(0);
      expect(report!.errors[0]).toMatchObject(firstError);
      expect(report!.rejected + (firstError.field === 'file' ? 1 : 0)).toBeGreaterThan(0);
      expect(await stored(meterId)).toEqual([]);
      expect(await meterExists(meterId)).toBe(false);
    });
  });

  it('puts RFC 3339 times across both 2019 DST changes on the right intervals', async () => {
    const text = csv([
      ['2019-03-31T01:45:00+01:00', '1'],
      ['2019-03-31T03:00:00+02:00', '2'], // the next quarter-hour: clocks jumped from 02:00 to 03:00
      ['2019-10-27T02:45:00+02:00', '3'],
      ['2019-10-27T02:00:00+01:00', '4'], // the next quarter-hour: clocks fell back from 03:00 to 02:00
      ['2019-10-27T02:15:00+01:00', '5'],
    ]);
    const { report } = await upload(grpc.client, text, { meterId: 'dst-rfc' });
    expect(report).toMatchObject({ committed: true, inserted: 5 });
    expect(await stored('dst-rfc')).toEqual([
      { start: '2019-03-31T00:30Z', usage: '1' },
      { start: '2019-03-31T00:45Z', usage: '2' },
      { start: '2019-10-27T00:30Z', usage: '3' },
      { start: '2019-10-27T00:45Z', usage: '4' },
      { start: '2019-10-27T01:00Z', usage: '5' },
    ]);
  });

  it('loads a multi-meter file with a meter_id column, BOM and CRLF, in tiny chunks', async () => {
    const text = '\uFEFFmeter_id,time,meterusage\r\nsite-a,2020-03-01 00:15:00,"1.25"\r\nsite-b,2020-03-01 00:15:00,2\r\nsite-a,2020-03-01 00:30:00,NaN\r\n';
    const { report } = await upload(grpc.client, text, { unit: 'kWh' }, 5);
    expect(report).toMatchObject({ committed: true, accepted: 3, inserted: 3, metersCreated: ['site-a', 'site-b'] });
    expect(await stored('site-a')).toEqual([
      { start: '2020-03-01T00:00Z', usage: '1.25' },
      { start: '2020-03-01T00:15Z', usage: null },
    ]);
  });

  it('survives concurrent uploads to the same meter: no deadlock, no lost rows, every value one that was sent', async () => {
    const uploads = [0, 1, 2, 3].map((writer) =>
      upload(grpc.client, csv(quarterRows('2020-04-01T00:15:00Z', 2000, (index) => `${writer}.${index}`)), { meterId: 'busy' }),
    );
    const reports = (await Promise.all(uploads)).map((response) => response.report!);
    expect(reports.every((report) => report.committed && report.accepted === 2000)).toBe(true);
    expect(reports.reduce((sum, report) => sum + report.inserted, 0)).toBe(2000);
    const rows = await stored('busy');
    expect(rows).toHaveLength(2000);
    expect(rows.every((row, index) => /^[0-3]\./.test(row.usage!) && row.usage!.endsWith(`.${index}`))).toBe(true);
  });

  it('rolls back an upload the client cancels half-way, and releases its database connection', async () => {
    const call = grpc.client.ingestReadings(() => undefined);
    call.write({ payload: { $case: 'options', value: IngestOptions.fromPartial({ meterId: 'cancelled-1' }) } });
    call.write({ payload: { $case: 'chunk', value: Buffer.from(csv(quarterRows('2020-05-01T00:15:00Z', 500))) } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // More rows, and the cancel while grpc-server is busy with them.
    const more = Buffer.from(csv(quarterRows('2021-05-01T00:15:00Z', 20_000)));
    for (let at = 0; at < more.length; at += 16_384) call.write({ payload: { $case: 'chunk', value: more.subarray(at, at + 16_384) } });
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.CANCEL_AFTER_MS ?? 5)));
    call.cancel();
    const pool = handle.database.pool;
    for (let attempt = 0; attempt < 100 && pool.totalCount - pool.idleCount > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.totalCount - pool.idleCount).toBe(0);
    const copying = await pool.query(
      `select count(*)::int as sessions from pg_stat_activity where datname = current_database() and (query like 'copy readings_staging%' or query like 'copy readings (%') and state = 'active'`,
    );
    expect(copying.rows).toEqual([{ sessions: 0 }]);
    expect(await stored('cancelled-1')).toEqual([]);
    expect(await meterExists('cancelled-1')).toBe(false);
  });

  it('refuses an upload without options first, and invalid options, with INVALID_ARGUMENT', async () => {
    const noOptions = new Promise((resolve, reject) => {
      const call = grpc.client.ingestReadings((error, response) => (error ? reject(error) : resolve(response)));
      call.write({ payload: { $case: 'chunk', value: Buffer.from('time,meterusage\n') } });
      call.end();
    });
    await expect(noOptions).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: 'options: the first message of an upload must carry the options' });
    await expect(upload(grpc.client, 'x', { timeZone: 'Mars/Base' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^time_zone: /),
    });
    await expect(upload(grpc.client, 'x', { meterId: 'no spaces allowed' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^meter_id: /),
    });
    await expect(upload(grpc.client, 'x', { unit: 'a very long unit name indeed' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^unit: /),
    });
  });
});

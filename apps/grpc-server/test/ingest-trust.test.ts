import { EVERY_METER } from '../src/ingest/upload-meters';
import { status } from '@grpc/grpc-js';
import { BucketWidth, IngestMode, TimeLabel } from '@meterusage/contracts';
import { ingestCsv } from '../src/ingest/ingest-csv';
import { openMigratedDatabase, plainStorageDeps, testOrigin, type MigratedDatabase } from './support/database';
import { startTestGrpc, upload, type TestGrpc } from './support/grpc';

// Issue #10 items 1, 3, 6 and the sub-second time, through IngestReadings on a real PostgreSQL:
// each case states the answer and the rows before and after.

const MAX_NEW_METERS = 5;

describe('IngestReadings: bounded, explicitly targeted, conflict-checked uploads', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;

  beforeAll(async () => {
    handle = await openMigratedDatabase('ingest_trust');
    grpc = await startTestGrpc(handle, 'meter-1', { maxNewMetersPerUpload: MAX_NEW_METERS });
    await upload(grpc.client, 'time,meterusage\n2019-01-01 00:15:00,1\n', { meterId: 'a' });
    await upload(grpc.client, 'time,meterusage\n2019-01-01 00:15:00,7\n', { meterId: 'b' });
  }, 60_000);
  afterAll(async () => {
    await grpc?.close();
    await handle?.close();
  });

  /** Every stored reading as meter → "start=usage" list. */
  const snapshot = async () => {
    const { rows } = await handle.database.pool.query<{ meter_id: string; reading: string }>(
      `select meter_id, to_char(interval_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || '=' || coalesce(usage::text, 'null') as reading
       from readings order by meter_id, interval_start`,
    );
    const meters: Record<string, string[]> = {};
    for (const row of rows) (meters[row.meter_id] ??= []).push(row.reading);
    return meters;
  };
  const meterCount = async () => Number((await handle.database.pool.query('select count(*) from meters')).rows[0].count);

  describe('meter targeting (item 3)', () => {
    it('rejects a row whose meter_id names another meter than the upload targets, and leaves that meter alone', async () => {
      const before = await snapshot();
      const text = 'meter_id,time,meterusage\na,2019-01-01 00:30:00,2\nb,2019-01-01 00:15:00,99\n';
      const atomic = await upload(grpc.client, text, { meterId: 'a' });
      expect(atomic.meterId).toBe('a');
      expect(atomic.report).toMatchObject({ committed: false, accepted: 1, rejected: 1, meterCount: 1 });
      expect(atomic.report!.errors).toEqual([
        { line: 3, field: 'meter_id', reason: 'the row names meter "b" but the upload is for meter "a": drop the meter_id column or make it match' },
      ]);
      expect(await snapshot()).toEqual(before);

      const partial = await upload(grpc.client, text, { meterId: 'a', mode: IngestMode.INGEST_MODE_PARTIAL });
      expect(partial.report).toMatchObject({ committed: true, inserted: 1, rejected: 1 });
      expect(partial.report!.meters).toEqual([{ meterId: 'a', created: false, inserted: 1, updated: 0, unchanged: 0, skipped: 0, rejected: 1 }]);
      expect(await snapshot()).toEqual({ ...before, a: [...before.a!, '2019-01-01 00:15=2'] });
    });

    it('loads a re-uploaded export into another meter only without its meter_id column (or with a matching one)', async () => {
      const exported = 'meter_id,time,start,end,meterusage,quality\nb,2019-01-01T00:15:00Z,2019-01-01T00:00:00Z,2019-01-01T00:15:00Z,7,measured\n';
      const into = await upload(grpc.client, exported, { meterId: 'copy-of-b' });
      expect(into.report).toMatchObject({ committed: false, rejected: 1, errors: [{ line: 2, field: 'meter_id' }] });
      expect((await snapshot())['copy-of-b']).toBeUndefined();
      const withoutColumn = exported.replace(/^meter_id,/gm, '').replace(/\nb,/, '\n');
      const loaded = await upload(grpc.client, withoutColumn, { meterId: 'copy-of-b' });
      expect(loaded).toMatchObject({ meterId: 'copy-of-b', report: { committed: true, inserted: 1, metersCreated: ['copy-of-b'] } });
      expect((await snapshot())['copy-of-b']).toEqual(['2019-01-01 00:00=7']);
    });

    it('makes a file with a meter_id column and no target a multi-meter upload with counts per meter and no single meter id', async () => {
      const text = 'meter_id,time,meterusage\na,2019-01-01 00:15:00,1\nb,2019-01-01 00:15:00,8\nc,2019-01-01 00:15:00,3\nc,2019-01-01 00:20:00,4\n';
      const { meterId, report } = await upload(grpc.client, text, { mode: IngestMode.INGEST_MODE_PARTIAL });
      expect(meterId).toBe('');
      expect(report).toMatchObject({
        committed: true,
        accepted: 3,
        inserted: 1,
        updated: 1,
        unchanged: 1,
        rejected: 1,
        meterCount: 3,
        metersCreatedCount: 1,
        metersCreated: ['c'],
      });
      expect(report!.meters).toEqual([
        { meterId: 'a', created: false, inserted: 0, updated: 0, unchanged: 1, skipped: 0, rejected: 0 },
        { meterId: 'b', created: false, inserted: 0, updated: 1, unchanged: 0, skipped: 0, rejected: 0 },
        { meterId: 'c', created: true, inserted: 1, updated: 0, unchanged: 0, skipped: 0, rejected: 1 },
      ]);
    });

    it('sends a file without a meter_id column and no target to the default meter, named in the answer', async () => {
      const { meterId, report } = await upload(grpc.client, 'time,meterusage\n2019-01-01 00:15:00,5\n');
      expect([meterId, report!.meters.map((meter) => meter.meterId)]).toEqual(['meter-1', ['meter-1']]);
    });
  });

  describe('meter settings conflicts (item 6)', () => {
    it('refuses unit=MWh for an existing kWh meter with ALREADY_EXISTS naming the setting, nothing written', async () => {
      const before = await snapshot();
      await expect(upload(grpc.client, 'time,meterusage\n2019-01-02 00:15:00,1\n', { meterId: 'a', unit: 'MWh' })).rejects.toMatchObject({
        code: status.ALREADY_EXISTS,
        details: 'unit: the upload says MWh, meter "a" has kWh; nothing was written',
      });
      expect(await snapshot()).toEqual(before);
      // Stating the meter's own unit is fine.
      expect((await upload(grpc.client, 'time,meterusage\n2019-01-02 00:15:00,1\n', { meterId: 'a', unit: 'kWh' })).report).toMatchObject({
        committed: true,
        inserted: 1,
      });
    });

    it('refuses a time_label other than the existing meter has (it used to convert), nothing written', async () => {
      const before = await snapshot();
      await expect(
        upload(grpc.client, 'time,meterusage\n2019-01-03 00:15:00,1\n', { meterId: 'a', timeLabel: TimeLabel.TIME_LABEL_START }),
      ).rejects.toMatchObject({ code: status.ALREADY_EXISTS, details: 'time_label: the upload says start, meter "a" has end; nothing was written' });
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a multi-meter file when any one of its meters has another unit', async () => {
      await upload(grpc.client, 'time,meterusage\n2019-01-01 00:15:00,1\n', { meterId: 'gas', unit: 'm³' });
      const before = await snapshot();
      const text = 'meter_id,time,meterusage\na,2019-01-04 00:15:00,1\ngas,2019-01-04 00:15:00,2\n';
      await expect(upload(grpc.client, text, { unit: 'kWh' })).rejects.toMatchObject({
        code: status.ALREADY_EXISTS,
        details: 'unit: the upload says kWh, meter "gas" has m³; nothing was written',
      });
      expect(await snapshot()).toEqual(before);
    });

    it('refuses an upload whose new meter a concurrent upload created with another unit, nothing of it written', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let firstChunkTaken!: () => void;
      const started = new Promise<void>((resolve) => (firstChunkTaken = resolve));
      const options = {
        meterId: 'raced-unit',
        defaultMeterId: 'meter-1',
        timeZone: 'UTC',
        onConflict: 'update',
        mode: 'atomic',
        timeLabel: undefined,
        maxNewMeters: 10,
        sourceName: 'B',
        writeGrant: EVERY_METER,
        origin: testOrigin(),
      } as const;
      const uploadB = ingestCsv(
        handle.database,
        (async function* () {
          // A meter_id column: B creates its meters once read (a file of one meter creates its meter at its first row).
          yield 'meter_id,time,meterusage\nraced-unit,2019-01-01 00:15:00,1\n';
          firstChunkTaken();
          await held;
          yield 'raced-unit,2019-01-01 00:30:00,2\n';
        })(),
        { ...options, unit: 'MWh' },
        plainStorageDeps,
      );
      await started;
      const uploadA = await upload(grpc.client, 'time,meterusage\n2019-01-01 00:15:00,500\n', { meterId: 'raced-unit', unit: 'kWh' });
      expect(uploadA.report).toMatchObject({ committed: true, metersCreated: ['raced-unit'] });
      release();
      await expect(uploadB).rejects.toMatchObject({
        name: 'SettingConflictError',
        message: 'unit: the upload says MWh, meter "raced-unit" (created by another upload while this one was read) has kWh; nothing was written',
      });
      expect((await snapshot())['raced-unit']).toEqual(['2019-01-01 00:00=500']);
    });
  });

  describe('bounded work (item 1)', () => {
    const newMeterFile = (count: number, prefix: string) =>
      `meter_id,time,meterusage\n${Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(4, '0')},2019-01-01 00:15:00,1`).join('\n')}\n`;

    it(`refuses a file naming more than MAX_NEW_METERS_PER_UPLOAD (${MAX_NEW_METERS}) new meters with INVALID_ARGUMENT, nothing written`, async () => {
      const before = { meters: await meterCount(), readings: await snapshot() };
      await expect(upload(grpc.client, `${newMeterFile(MAX_NEW_METERS + 1, 'many-')}a,2019-01-05 00:15:00,1\n`)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: `meter_id: the file names more than ${MAX_NEW_METERS} new meters, the most one upload may create (MAX_NEW_METERS_PER_UPLOAD = ${MAX_NEW_METERS}); nothing was written: split the file or raise the limit`,
      });
      expect({ meters: await meterCount(), readings: await snapshot() }).toEqual(before);
      // Exactly the limit loads.
      expect((await upload(grpc.client, newMeterFile(MAX_NEW_METERS, 'many-'))).report).toMatchObject({ committed: true, metersCreatedCount: MAX_NEW_METERS });
    });

    it('stops reading at the first new meter over the limit, without waiting for the rest of the file', async () => {
      const neverEnds = (async function* () {
        yield newMeterFile(MAX_NEW_METERS + 1, 'stop-');
        await new Promise(() => undefined);
      })();
      const options = {
        meterId: undefined,
        defaultMeterId: 'meter-1',
        unit: undefined,
        timeZone: 'UTC',
        onConflict: 'update',
        mode: 'atomic',
        timeLabel: undefined,
        sourceName: 't',
        writeGrant: EVERY_METER,
        origin: testOrigin(),
      } as const;
      await expect(ingestCsv(handle.database, neverEnds, { ...options, maxNewMeters: MAX_NEW_METERS }, plainStorageDeps)).rejects.toMatchObject({
        name: 'InvalidArgumentError',
        violations: [expect.objectContaining({ field: 'meter_id' })],
      });
    });

    it('lists the first 100 meters (by id) of a report and gives the totals', async () => {
      const handle2 = await openMigratedDatabase('ingest_trust_cap');
      const grpc2 = await startTestGrpc(handle2, 'meter-1', { maxNewMetersPerUpload: 1000 });
      try {
        const { meterId, report } = await upload(grpc2.client, newMeterFile(150, 'cap-'));
        expect(meterId).toBe('');
        expect(report).toMatchObject({ committed: true, inserted: 150, meterCount: 150, metersCreatedCount: 150 });
        expect(report!.meters).toHaveLength(100);
        expect(report!.metersCreated).toEqual(Array.from({ length: 100 }, (_, index) => `cap-${String(index).padStart(4, '0')}`));
        expect(report!.meters.at(-1)).toEqual({ meterId: 'cap-0099', created: true, inserted: 1, updated: 0, unchanged: 0, skipped: 0, rejected: 0 });
      } finally {
        await grpc2.close();
        await handle2.close();
      }
    }, 30_000);
  });

  it('honours sub-second digits: 00:15:00.0009 is off the grid and rejected with its line (item 8)', async () => {
    const before = await snapshot();
    const { report } = await upload(grpc.client, 'time,meterusage\n2019-01-06 00:15:00.0009,1\n', { meterId: 'a' });
    expect(report).toMatchObject({
      committed: false,
      rejected: 1,
      errors: [{ line: 2, field: 'time', reason: 'time "2019-01-06 00:15:00.0009" is not on the 15-minute grid' }],
    });
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['1e309', 'usage 1e309 is too large: values must be below 10^12 (1000000000000)'],
    ['1e-400', 'usage 1e-400 has more than 9 decimal places (the smallest step is 0.000000001)'],
    ['1e131072', 'usage 1e131072 is too large: values must be below 10^12 (1000000000000)'],
  ])('rejects %s with its line even in partial mode, and loads the other rows (item 2)', async (value, reason) => {
    const { report } = await upload(grpc.client, `time,meterusage\n2019-02-01 00:15:00,${value}\n2019-02-01 00:30:00,2.5\n`, {
      meterId: 'values',
      mode: IngestMode.INGEST_MODE_PARTIAL,
    });
    expect(report).toMatchObject({ committed: true, rejected: 1, errors: [{ line: 2, field: 'meterusage', reason }] });
    expect((await snapshot()).values).toEqual(['2019-02-01 00:15=2.5']);
  });

  it('reads the extreme values of the domain through every RPC, a month of them summed (item 2)', async () => {
    const values = ['999999999999.999999999', '0.000000001', '0', 'NaN'];
    const rows = Array.from(
      { length: 2976 },
      (_, index) => `${new Date(Date.parse('2019-03-01T00:15:00Z') + index * 900_000).toISOString()},${values[index % 4]}`,
    );
    expect((await upload(grpc.client, `time,meterusage\n${rows.join('\n')}\n`, { meterId: 'extreme' })).report).toMatchObject({
      committed: true,
      inserted: 2976,
    });
    const meterId = 'extreme';
    const readings = await grpc.call(grpc.client.listReadings, { meterId, pageSize: 10_000, pageToken: '' });
    expect(readings.readings.slice(0, 4).map((reading) => reading.usage)).toEqual([1e12, 1e-9, 0, undefined]);
    for (const bucketWidth of [BucketWidth.BUCKET_WIDTH_HOUR, BucketWidth.BUCKET_WIDTH_DAY, BucketWidth.BUCKET_WIDTH_MONTH]) {
      const { buckets } = await grpc.call(grpc.client.aggregateUsage, { meterId, bucketWidth, timeZone: 'Asia/Kathmandu' });
      expect(buckets.reduce((sum, bucket) => sum + (bucket.sum ?? 0), 0)).toBeCloseTo(744 * 1e12, -6);
    }
    const { summary } = await grpc.call(grpc.client.getUsageSummary, { meterId });
    expect(summary).toMatchObject({ presentCount: 2232, peak: { usage: 1e12 } });
    expect(summary!.total).toBeCloseTo(744 * 1e12, -6);
    const exported = await grpc.exportAll({ meterId });
    expect(exported.reduce((count, batch) => count + batch.readings.length, 0)).toBe(2976);
    const metrics = await grpc.call(grpc.client.getMetrics, { meterId });
    expect(metrics.readings.slice(0, 4).map((reading) => reading.usage)).toEqual([1e12, 1e-9, 0, undefined]);
  }, 30_000);
});

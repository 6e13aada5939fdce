import { status, type ServiceError } from '@grpc/grpc-js';
import { ExportFormat, BucketWidth, ReadingQuality, TimeLabel, type ListReadingsResponse, type Reading } from '@meterusage/contracts';
import { readSampleCsv, SAMPLE_CSV_PATH } from '@meterusage/testing';
import { seedFromCsv } from '../src/ingest/seed';
import { openMigratedDatabase, plainStorageDeps, type MigratedDatabase } from './support/database';
import { startTestGrpc, type TestGrpc } from './support/grpc';
import { insertNewReadings, quarterHours } from './support/synthetic';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();

/** Reference aggregation written independently of the server's SQL: group by the local date Intl reports. */
function dailyReference(rows: Array<{ intervalStartMs: number; usage: string | null }>, timeZone: string) {
  const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const days = new Map<string, { sum: number; present: number; min: number; max: number }>();
  for (const row of rows) {
    const day = dayOf.format(row.intervalStartMs);
    const entry = days.get(day) ?? { sum: 0, present: 0, min: Infinity, max: -Infinity };
    if (row.usage !== null) {
      const value = Number(row.usage);
      entry.sum += value;
      entry.present += 1;
      entry.min = Math.min(entry.min, value);
      entry.max = Math.max(entry.max, value);
    }
    days.set(day, entry);
  }
  return days;
}

describe('query API over a real gRPC server and PostgreSQL', () => {
  let handle: MigratedDatabase;
  let grpc: TestGrpc;
  // Amsterdam meter: the weekends of both 2019 DST changes, with a NaN and a hole in each.
  const spring = quarterHours('2019-03-29T23:00:00Z', '2019-04-01T22:00:00Z', {
    missing: ['2019-03-31T00:30:00Z'],
    holes: ['2019-03-31T05:00:00Z', '2019-03-31T05:15:00Z'],
  });
  const autumn = quarterHours('2019-10-25T22:00:00Z', '2019-10-28T23:00:00Z', {
    missing: ['2019-10-27T01:15:00Z'],
    holes: ['2019-10-27T00:45:00Z'],
  });

  beforeAll(async () => {
    handle = await openMigratedDatabase('query_api');
    await seedFromCsv(handle.database, { csvPath: SAMPLE_CSV_PATH, meterId: 'meter-1', timeZone: 'UTC' }, plainStorageDeps);
    await insertNewReadings(handle.database.pool, 'ams', [...spring, ...autumn]);
    await handle.database.pool.query(`insert into meters (meter_id, unit) values ('empty', 'MWh')`);
    grpc = await startTestGrpc(handle);
  }, 60_000);
  afterAll(async () => {
    await grpc.close();
    await handle.close();
  });

  const expectInvalid = async (promise: Promise<unknown>, field: string) => {
    const error = (await promise.catch((caught: ServiceError) => caught)) as ServiceError;
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(new RegExp(`^${field}: `));
    return error.details;
  };

  describe('ListMeters', () => {
    it('lists every meter with unit, interval, label and data span', async () => {
      const { meters } = await grpc.call(grpc.client.listMeters, {});
      expect(meters).toEqual([
        {
          meterId: 'ams',
          unit: 'kWh',
          intervalSeconds: 900,
          timeLabel: TimeLabel.TIME_LABEL_END,
          firstIntervalStart: at('2019-03-29T23:00:00Z'),
          lastIntervalEnd: at('2019-10-28T23:00:00Z'),
        },
        { meterId: 'empty', unit: 'MWh', intervalSeconds: 900, timeLabel: TimeLabel.TIME_LABEL_END, firstIntervalStart: undefined, lastIntervalEnd: undefined },
        {
          meterId: 'meter-1',
          unit: 'kWh',
          intervalSeconds: 900,
          timeLabel: TimeLabel.TIME_LABEL_END,
          firstIntervalStart: at('2019-01-01T00:00:00Z'),
          lastIntervalEnd: at('2019-01-31T23:45:00Z'),
        },
      ]);
    });
  });

  describe('ListReadings', () => {
    const walk = async (request: { meterId: string; startTime?: Date; endTime?: Date; pageSize: number }) => {
      const readings: Reading[] = [];
      let pageToken = '';
      let pages = 0;
      do {
        const page: ListReadingsResponse = await grpc.call(grpc.client.listReadings, { ...request, pageToken });
        expect(page.readings.length).toBeLessThanOrEqual(request.pageSize || 1000);
        readings.push(...page.readings);
        pageToken = page.nextPageToken;
        pages += 1;
      } while (pageToken !== '');
      return { readings, pages };
    };

    it('walks the default meter in pages, returning each interval exactly once and the CSV values', async () => {
      const { readings, pages } = await walk({ meterId: '', pageSize: 400 });
      expect(pages).toBe(8); // 2,975 intervals / 400
      expect(new Set(readings.map((reading) => iso(reading.start))).size).toBe(2975);
      expect(readings.map((reading) => ({ time: iso(reading.time)!.replace('.000Z', 'Z'), meterusage: reading.usage ?? null }))).toEqual(readSampleCsv());
      const missing = readings.filter((reading) => reading.missing);
      expect(missing.map((reading) => [iso(reading.start), reading.quality])).toEqual([
        ['2019-01-17T02:30:00.000Z', ReadingQuality.READING_QUALITY_MISSING_IN_SOURCE],
      ]);
    });

    it('fills holes in the series with NOT_RECEIVED intervals inside a half-open range', async () => {
      const page = await grpc.call(grpc.client.listReadings, {
        meterId: 'ams',
        startTime: at('2019-03-31T04:45:00Z'),
        endTime: at('2019-03-31T05:30:00Z'),
        pageSize: 0,
        pageToken: '',
      });
      expect(page.readings.map((reading) => [iso(reading.start), iso(reading.end), reading.quality, reading.missing, reading.usage !== undefined])).toEqual([
        ['2019-03-31T04:45:00.000Z', '2019-03-31T05:00:00.000Z', ReadingQuality.READING_QUALITY_MEASURED, false, true],
        ['2019-03-31T05:00:00.000Z', '2019-03-31T05:15:00.000Z', ReadingQuality.READING_QUALITY_NOT_RECEIVED, true, false],
        ['2019-03-31T05:15:00.000Z', '2019-03-31T05:30:00.000Z', ReadingQuality.READING_QUALITY_NOT_RECEIVED, true, false],
      ]);
      expect(page.nextPageToken).toBe('');
    });

    it('returns nothing for an empty meter and for a range without intervals', async () => {
      expect((await grpc.call(grpc.client.listReadings, { meterId: 'empty', pageSize: 0, pageToken: '' })).readings).toEqual([]);
      const narrow = await grpc.call(grpc.client.listReadings, {
        meterId: 'ams',
        startTime: at('2019-03-31T05:01:00Z'),
        endTime: at('2019-03-31T05:14:00Z'),
        pageSize: 0,
        pageToken: '',
      });
      expect(narrow.readings).toEqual([]);
    });

    it('refuses bad page sizes, tampered tokens and tokens of another query with INVALID_ARGUMENT', async () => {
      const base = { meterId: '', pageToken: '' };
      expect(await expectInvalid(grpc.call(grpc.client.listReadings, { ...base, pageSize: -1 }), 'page_size')).toBe('page_size: must not be negative, got -1');
      expect(await expectInvalid(grpc.call(grpc.client.listReadings, { ...base, pageSize: 10_001 }), 'page_size')).toBe(
        'page_size: must be at most 10000, got 10001',
      );
      const first = await grpc.call(grpc.client.listReadings, { ...base, pageSize: 10 });
      const [payload, signature] = first.nextPageToken.split('.');
      const forged = Buffer.from(JSON.stringify({ v: 1, m: "meter-1'; drop table readings; --", s: null, e: null, n: 0 })).toString('base64url');
      for (const pageToken of ['garbage', `${forged}.${signature}`, `${payload}.${signature}x`, `${payload}`]) {
        expect(await expectInvalid(grpc.call(grpc.client.listReadings, { ...base, pageSize: 10, pageToken }), 'page_token')).toBe(
          'page_token: is not a token this server issued',
        );
      }
      expect(
        await expectInvalid(grpc.call(grpc.client.listReadings, { ...base, meterId: 'ams', pageSize: 10, pageToken: first.nextPageToken }), 'page_token'),
      ).toMatch(/belongs to a different query/);
      const second = await grpc.call(grpc.client.listReadings, { ...base, pageSize: 10, pageToken: first.nextPageToken });
      expect(iso(second.readings[0]?.start)).toBe('2019-01-01T02:30:00.000Z');
    });

    it('refuses start_time ≥ end_time and answers NOT_FOUND for an unknown meter', async () => {
      await expectInvalid(
        grpc.call(grpc.client.listReadings, {
          meterId: '',
          startTime: at('2019-01-02T00:00:00Z'),
          endTime: at('2019-01-02T00:00:00Z'),
          pageSize: 0,
          pageToken: '',
        }),
        'start_time',
      );
      await expect(grpc.call(grpc.client.listReadings, { meterId: 'nope', pageSize: 0, pageToken: '' })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
    });
  });

  describe('AggregateUsage', () => {
    beforeAll(async () => {
      // Zones where the old SQL bucketing broke: Lord Howe's 30-minute DST changes, Apia's skipped 2011-12-30.
      await insertNewReadings(handle.database.pool, 'lord-howe', [
        ...quarterHours('2019-04-06T12:00:00Z', '2019-04-06T18:00:00Z'),
        ...quarterHours('2019-10-05T12:00:00Z', '2019-10-05T18:00:00Z'),
      ]);
      await insertNewReadings(handle.database.pool, 'apia', quarterHours('2011-12-28T10:00:00Z', '2012-01-01T10:00:00Z'));
    }, 60_000);

    it('buckets Amsterdam days with 92 and 100 quarter-hours on the DST change days, equal to an independent reference', async () => {
      for (const [rows, startIso, endIso, changeDay, expectedOnChangeDay, missingOnChangeDay] of [
        [spring, '2019-03-29T23:00:00Z', '2019-04-01T22:00:00Z', '2019-03-31', 92, 3],
        [autumn, '2019-10-25T22:00:00Z', '2019-10-28T23:00:00Z', '2019-10-27', 100, 2],
      ] as const) {
        const response = await grpc.call(grpc.client.aggregateUsage, {
          meterId: 'ams',
          startTime: at(startIso),
          endTime: at(endIso),
          bucketWidth: BucketWidth.BUCKET_WIDTH_DAY,
          timeZone: 'Europe/Amsterdam',
        });
        expect(response.timeZone).toBe('Europe/Amsterdam');
        const reference = dailyReference(rows, 'Europe/Amsterdam');
        expect(response.buckets).toHaveLength(3);
        const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit' });
        for (const bucket of response.buckets) {
          const day = dayOf.format(bucket.start);
          const expected = reference.get(day)!;
          expect(bucket.sum).toBeCloseTo(expected.sum, 6);
          expect(bucket.mean).toBeCloseTo(expected.sum / expected.present, 6);
          expect([bucket.min, bucket.max, bucket.presentCount]).toEqual([expected.min, expected.max, expected.present]);
          expect(bucket.expectedCount).toBe(day === changeDay ? expectedOnChangeDay : 96);
          // The bucket is the local calendar day: it starts at local midnight and ends at the next.
          expect(dayOf.format(bucket.start!.getTime() - 1)).not.toBe(day);
          expect(dayOf.format(bucket.end!.getTime() - 1)).toBe(day);
        }
        const change = response.buckets.find((bucket) => dayOf.format(bucket.start) === changeDay)!;
        expect(change.presentCount).toBe(expectedOnChangeDay - missingOnChangeDay); // one NaN and one or two holes
      }
    });

    it('splits the repeated autumn hour into two hour buckets of four intervals each', async () => {
      const response = await grpc.call(grpc.client.aggregateUsage, {
        meterId: 'ams',
        startTime: at('2019-10-26T23:00:00Z'),
        endTime: at('2019-10-27T02:00:00Z'),
        bucketWidth: BucketWidth.BUCKET_WIDTH_HOUR,
        timeZone: 'Europe/Amsterdam',
      });
      expect(response.buckets.map((bucket) => [iso(bucket.start), bucket.presentCount, bucket.expectedCount])).toEqual([
        ['2019-10-26T23:00:00.000Z', 4, 4], // local 01:00 CEST
        ['2019-10-27T00:00:00.000Z', 3, 4], // local 02:00 CEST, with the hole at 00:45Z
        ['2019-10-27T01:00:00.000Z', 3, 4], // local 02:00 again, now CET, with the NaN at 01:15Z
      ]);
    });

    it('sums January of the sample exactly in one month bucket, and reports a partial bucket as incomplete', async () => {
      const csvTotal = readSampleCsv().reduce((sum, row) => sum + (row.meterusage ?? 0), 0);
      const month = await grpc.call(grpc.client.aggregateUsage, { meterId: '', bucketWidth: BucketWidth.BUCKET_WIDTH_MONTH, timeZone: '' });
      expect(month.buckets).toHaveLength(1);
      expect(month.buckets[0]!.sum).toBeCloseTo(csvTotal, 6);
      expect([iso(month.buckets[0]!.start), iso(month.buckets[0]!.end)]).toEqual(['2019-01-01T00:00:00.000Z', '2019-02-01T00:00:00.000Z']);
      // No range: the bucket is the whole month (the data ends at 23:45), so the last quarter-hour counts as missing.
      expect([month.buckets[0]!.presentCount, month.buckets[0]!.expectedCount, month.buckets[0]!.clipped]).toEqual([2974, 2976, false]);

      const quarter = await grpc.call(grpc.client.aggregateUsage, {
        meterId: '',
        startTime: at('2019-01-17T02:00:00Z'),
        endTime: at('2019-01-17T03:00:00Z'),
        bucketWidth: BucketWidth.BUCKET_WIDTH_15_MINUTES,
        timeZone: 'UTC',
      });
      expect(quarter.buckets.map((bucket) => [bucket.presentCount, bucket.expectedCount, bucket.sum === undefined])).toEqual([
        [1, 1, false],
        [1, 1, false],
        [0, 1, true], // the NaN interval: no sum, never 0
        [1, 1, false],
      ]);
    });

    it('gives each quarter-hour of the month its own reading, across every packed row of aggregates', async () => {
      // About 2,975 buckets: more than two of the rows of 1,024 buckets PostgreSQL packs them into.
      const { buckets } = await grpc.call(grpc.client.aggregateUsage, { meterId: '', bucketWidth: BucketWidth.BUCKET_WIDTH_15_MINUTES, timeZone: 'UTC' });
      const csv = readSampleCsv();
      const byTime = new Map(csv.map((row) => [row.time, row.meterusage]));
      expect(buckets.length).toBeGreaterThan(2 * 1024);
      let withReading = 0;
      for (const bucket of buckets) {
        const value = byTime.get(iso(bucket.end)!.replace('.000Z', 'Z')); // the sample labels an interval by its end
        if (value !== undefined) withReading += 1;
        // No row (a hole) or a NaN row: no value, and no aggregates rather than zeros.
        const expected = value === undefined || value === null ? [0, undefined, undefined, undefined, undefined] : [1, value, value, value, value];
        expect([bucket.presentCount, bucket.sum, bucket.mean, bucket.min, bucket.max]).toEqual(expected);
        expect(bucket.end!.getTime() - bucket.start!.getTime()).toBe(900_000);
      }
      expect(withReading).toBe(csv.length);
    });

    it('snaps omitted bounds outward to whole local days, so the edge buckets show their true counts (issue #10 item 7)', async () => {
      // The sample runs 2019-01-01T00:00Z–2019-01-31T23:45Z: 01:00 on Jan 1 to 00:45 on Feb 1 in Amsterdam.
      const { buckets } = await grpc.call(grpc.client.aggregateUsage, { meterId: '', bucketWidth: BucketWidth.BUCKET_WIDTH_DAY, timeZone: 'Europe/Amsterdam' });
      expect(buckets).toHaveLength(32);
      const edge = (bucket: (typeof buckets)[number]) => [iso(bucket.start), iso(bucket.end), bucket.presentCount, bucket.expectedCount, bucket.clipped];
      expect(edge(buckets[0]!)).toEqual(['2018-12-31T23:00:00.000Z', '2019-01-01T23:00:00.000Z', 92, 96, false]);
      // Was 3 of 3: a near-empty day that looked complete.
      expect(edge(buckets[31]!)).toEqual(['2019-01-31T23:00:00.000Z', '2019-02-01T23:00:00.000Z', 3, 96, false]);
      expect(buckets.every((bucket) => !bucket.clipped)).toBe(true);
    });

    it('marks the buckets an explicit bound cuts as clipped, expecting only the intervals inside the range', async () => {
      const { buckets } = await grpc.call(grpc.client.aggregateUsage, {
        meterId: '',
        startTime: at('2019-01-10T06:00:00Z'),
        endTime: at('2019-01-12T18:00:00Z'),
        bucketWidth: BucketWidth.BUCKET_WIDTH_DAY,
        timeZone: 'UTC',
      });
      expect(buckets.map((bucket) => [iso(bucket.start), bucket.presentCount, bucket.expectedCount, bucket.clipped])).toEqual([
        ['2019-01-10T00:00:00.000Z', 72, 72, true],
        ['2019-01-11T00:00:00.000Z', 96, 96, false],
        ['2019-01-12T00:00:00.000Z', 72, 72, true],
      ]);
      // One bound given: only that side clips; the other snaps to its whole bucket.
      const fromOnly = await grpc.call(grpc.client.aggregateUsage, {
        meterId: '',
        startTime: at('2019-01-31T12:00:00Z'),
        bucketWidth: BucketWidth.BUCKET_WIDTH_DAY,
        timeZone: 'Europe/Amsterdam',
      });
      expect(fromOnly.buckets.map((bucket) => [iso(bucket.start), bucket.presentCount, bucket.expectedCount, bucket.clipped])).toEqual([
        ['2019-01-30T23:00:00.000Z', 44, 44, true],
        ['2019-01-31T23:00:00.000Z', 3, 96, false],
      ]);
    });

    it('gives Lord Howe Island a 30-minute hour bucket at each 30-minute DST change and loses no reading (issue #10 item 4)', async () => {
      for (const [startIso, endIso, expected] of [
        // 2019-04-07 02:00 +11 → 01:30 +10:30: the repeated half hour is a bucket of its own.
        [
          '2019-04-06T13:00:00Z',
          '2019-04-06T17:30:00Z',
          [
            ['2019-04-06T13:00:00.000Z', 4],
            ['2019-04-06T14:00:00.000Z', 4],
            ['2019-04-06T15:00:00.000Z', 2],
            ['2019-04-06T15:30:00.000Z', 4],
            ['2019-04-06T16:30:00.000Z', 4],
          ],
        ],
        // 2019-10-06 02:00 +10:30 → 02:30 +11: local hour 2 lasts 30 minutes.
        [
          '2019-10-05T13:30:00Z',
          '2019-10-05T18:00:00Z',
          [
            ['2019-10-05T13:30:00.000Z', 4],
            ['2019-10-05T14:30:00.000Z', 4],
            ['2019-10-05T15:30:00.000Z', 2],
            ['2019-10-05T16:00:00.000Z', 4],
            ['2019-10-05T17:00:00.000Z', 4],
          ],
        ],
      ] as const) {
        const range = { meterId: 'lord-howe', startTime: at(startIso), endTime: at(endIso) };
        const { buckets } = await grpc.call(grpc.client.aggregateUsage, {
          ...range,
          bucketWidth: BucketWidth.BUCKET_WIDTH_HOUR,
          timeZone: 'Australia/Lord_Howe',
        });
        expect(buckets.map((bucket) => [iso(bucket.start), bucket.presentCount])).toEqual(expected);
        expect(buckets.every((bucket) => bucket.expectedCount === bucket.presentCount && !bucket.clipped)).toBe(true);
        const { summary } = await grpc.call(grpc.client.getUsageSummary, range);
        expect(buckets.reduce((sum, bucket) => sum + bucket.presentCount, 0)).toBe(summary!.presentCount);
        expect(buckets.reduce((sum, bucket) => sum + bucket.sum!, 0)).toBeCloseTo(summary!.total!, 6);
      }
    });

    it('gives the day Apia skipped (2011-12-30) no bucket, so the days add up to the summary (issue #10 item 4)', async () => {
      const range = { meterId: 'apia', startTime: at('2011-12-28T10:00:00Z'), endTime: at('2012-01-01T10:00:00Z') };
      const { buckets } = await grpc.call(grpc.client.aggregateUsage, { ...range, bucketWidth: BucketWidth.BUCKET_WIDTH_DAY, timeZone: 'Pacific/Apia' });
      // Local midnights: 12-28 and 12-29 at −10, then 12-31 and 2012-01-01 at +14 (was: a zero-length 12-30 with 96 of 0).
      expect(buckets.map((bucket) => [iso(bucket.start), iso(bucket.end), bucket.presentCount, bucket.expectedCount])).toEqual([
        ['2011-12-28T10:00:00.000Z', '2011-12-29T10:00:00.000Z', 96, 96],
        ['2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z', 96, 96],
        ['2011-12-30T10:00:00.000Z', '2011-12-31T10:00:00.000Z', 96, 96],
        ['2011-12-31T10:00:00.000Z', '2012-01-01T10:00:00.000Z', 96, 96],
      ]);
      const { summary } = await grpc.call(grpc.client.getUsageSummary, range);
      expect([summary!.presentCount, summary!.expectedCount]).toEqual([384, 384]);
      expect(buckets.reduce((sum, bucket) => sum + bucket.sum!, 0)).toBeCloseTo(summary!.total!, 6);
    });

    it('clamps a bucket reaching past 9999-12-31 at the last instant of year 9999 and marks it clipped', async () => {
      const { buckets } = await grpc.call(grpc.client.aggregateUsage, {
        meterId: 'empty',
        startTime: at('9999-12-01T00:00:00Z'),
        endTime: at('9999-12-31T23:59:59.999Z'),
        bucketWidth: BucketWidth.BUCKET_WIDTH_MONTH,
        timeZone: 'Europe/Amsterdam',
      });
      // Local January of year 10000 starts at 9999-12-31T23:00Z; its end cannot be written in RFC 3339.
      expect(buckets.map((bucket) => [iso(bucket.start), iso(bucket.end), bucket.clipped])).toEqual([
        ['9999-11-30T23:00:00.000Z', '9999-12-31T23:00:00.000Z', true],
        ['9999-12-31T23:00:00.000Z', '9999-12-31T23:59:59.999Z', true],
      ]);
    });

    it('reports buckets without readings as present 0 and starts weeks on Monday', async () => {
      const response = await grpc.call(grpc.client.aggregateUsage, {
        meterId: 'empty',
        startTime: at('2019-01-01T00:00:00Z'),
        endTime: at('2019-01-15T00:00:00Z'),
        bucketWidth: BucketWidth.BUCKET_WIDTH_WEEK,
        timeZone: 'UTC',
      });
      expect(response.unit).toBe('MWh');
      expect(response.buckets.map((bucket) => [iso(bucket.start), bucket.presentCount, bucket.expectedCount, bucket.sum])).toEqual([
        ['2018-12-31T00:00:00.000Z', 0, 6 * 96, undefined],
        ['2019-01-07T00:00:00.000Z', 0, 7 * 96, undefined],
        ['2019-01-14T00:00:00.000Z', 0, 96, undefined],
      ]);
    });

    it('refuses unknown buckets, unknown zones, inverted ranges and too many buckets with INVALID_ARGUMENT', async () => {
      const base = { meterId: '', bucketWidth: BucketWidth.BUCKET_WIDTH_DAY, timeZone: 'UTC' };
      await expectInvalid(grpc.call(grpc.client.aggregateUsage, { ...base, bucketWidth: BucketWidth.BUCKET_WIDTH_UNSPECIFIED }), 'bucket_width');
      await expectInvalid(grpc.call(grpc.client.aggregateUsage, { ...base, bucketWidth: 42 as BucketWidth }), 'bucket_width');
      expect(await expectInvalid(grpc.call(grpc.client.aggregateUsage, { ...base, timeZone: 'Mars/Olympus' }), 'time_zone')).toBe(
        'time_zone: "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Amsterdam)',
      );
      // Intl knows US/Pacific-New, PostgreSQL 15 does not: off the shared list, so refused (was a 500 from the database).
      await expectInvalid(grpc.call(grpc.client.aggregateUsage, { ...base, timeZone: 'US/Pacific-New' }), 'time_zone');
      await expectInvalid(
        grpc.call(grpc.client.aggregateUsage, { ...base, startTime: at('2019-02-01T00:00:00Z'), endTime: at('2019-01-01T00:00:00Z') }),
        'start_time',
      );
      expect(
        await expectInvalid(
          grpc.call(grpc.client.aggregateUsage, {
            ...base,
            bucketWidth: BucketWidth.BUCKET_WIDTH_15_MINUTES,
            startTime: at('2000-01-01T00:00:00Z'),
            endTime: at('2019-01-01T00:00:00Z'),
          }),
          'bucket_width',
        ),
      ).toMatch(/more than 100000/);
    });
  });

  describe('GetUsageSummary', () => {
    it('summarises January: total, mean, peak with its interval, minimum, counts, first and last', async () => {
      const csv = readSampleCsv();
      const present = csv.filter((row) => row.meterusage !== null).map((row) => row.meterusage!);
      const total = present.reduce((sum, value) => sum + value, 0);
      const { summary, startTime, endTime, unit } = await grpc.call(grpc.client.getUsageSummary, { meterId: '' });
      expect([iso(startTime), iso(endTime), unit]).toEqual(['2019-01-01T00:00:00.000Z', '2019-01-31T23:45:00.000Z', 'kWh']);
      expect(summary!.total).toBeCloseTo(total, 6);
      expect(summary!.mean).toBeCloseTo(total / present.length, 9);
      expect([iso(summary!.peak!.start), iso(summary!.peak!.end), summary!.peak!.usage]).toEqual([
        '2019-01-21T10:00:00.000Z',
        '2019-01-21T10:15:00.000Z',
        Math.max(...present),
      ]);
      expect(summary!.minimum!.usage).toBe(Math.min(...present));
      expect([summary!.presentCount, summary!.missingCount, summary!.expectedCount]).toEqual([2974, 1, 2975]);
      expect([iso(summary!.firstReading!.time), summary!.firstReading!.usage]).toEqual(['2019-01-01T00:15:00.000Z', 55.09]);
      expect([iso(summary!.lastReading!.time), summary!.lastReading!.usage]).toEqual(['2019-01-31T23:45:00.000Z', 54.36]);
    });

    it('counts holes as missing and reports an empty range with zero counts and no values', async () => {
      const spring2 = await grpc.call(grpc.client.getUsageSummary, {
        meterId: 'ams',
        startTime: at('2019-03-30T23:00:00Z'),
        endTime: at('2019-03-31T22:00:00Z'),
      });
      expect([spring2.summary!.presentCount, spring2.summary!.missingCount, spring2.summary!.expectedCount]).toEqual([89, 3, 92]);
      const empty = await grpc.call(grpc.client.getUsageSummary, { meterId: 'empty' });
      expect(empty.summary).toEqual({
        total: undefined,
        mean: undefined,
        peak: undefined,
        minimum: undefined,
        presentCount: 0,
        missingCount: 0,
        expectedCount: 0,
        firstReading: undefined,
        lastReading: undefined,
        estimatedCount: 0,
        editedCount: 0,
      });
    });
  });

  describe('ExportReadings', () => {
    it('streams every stored reading of a range in order, in batches', async () => {
      const messages = await grpc.exportAll({ meterId: '' });
      const readings = messages.flatMap((message) => message.readings);
      expect(messages.every((message) => message.meterId === 'meter-1' && message.unit === 'kWh')).toBe(true);
      expect(readings).toHaveLength(2975);
      expect(readings.map((reading) => ({ time: iso(reading.time)!.replace('.000Z', 'Z'), meterusage: reading.usage ?? null }))).toEqual(readSampleCsv());
    });

    it('exports only the stored readings of a range (holes are not invented)', async () => {
      const messages = await grpc.exportAll({ meterId: 'ams', startTime: at('2019-03-31T04:45:00Z'), endTime: at('2019-03-31T05:45:00Z') });
      expect(messages.flatMap((message) => message.readings).map((reading) => iso(reading.start))).toEqual([
        '2019-03-31T04:45:00.000Z',
        '2019-03-31T05:30:00.000Z',
      ]);
    });

    it('stops reading the database when the client cancels, and releases the connection', async () => {
      await insertNewReadings(handle.database.pool, 'big', quarterHours('2018-01-01T00:00:00Z', '2019-01-01T00:00:00Z'));
      const received = await new Promise<number>((resolve, reject) => {
        let count = 0;
        const stream = grpc.client.exportReadings({ meterId: 'big', format: ExportFormat.EXPORT_FORMAT_UNSPECIFIED });
        stream.on('data', (message: { readings: unknown[] }) => {
          count += message.readings.length;
          if (count >= 5000) stream.cancel();
        });
        stream.on('error', (error: ServiceError) => (error.code === status.CANCELLED ? resolve(count) : reject(error)));
        stream.on('end', () => reject(new Error('the export finished instead of being cancelled')));
      });
      expect(received).toBeLessThan(35_040);
      // The cursor's connection goes back to the pool once the producer notices the cancellation.
      for (let attempt = 0; attempt < 50 && handle.database.pool.idleCount < handle.database.pool.totalCount; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(handle.database.pool.totalCount - handle.database.pool.idleCount).toBe(0);
      expect((await grpc.exportAll({ meterId: 'big' })).flatMap((message) => message.readings)).toHaveLength(35_040);
    });

    it('fails the stream with NOT_FOUND or INVALID_ARGUMENT before sending anything', async () => {
      await expect(grpc.exportAll({ meterId: 'nope' })).rejects.toMatchObject({ code: status.NOT_FOUND, details: 'meter "nope" not found' });
      await expect(grpc.exportAll({ meterId: 'bad id' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    });
  });
});

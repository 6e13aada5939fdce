import { bucketBoundaries, type BucketWidthName } from './buckets';

const at = (iso: string) => Date.parse(iso);
const bounds = (timeZone: string, width: BucketWidthName, from: string, to: string) =>
  bucketBoundaries(timeZone, width, at(from), at(to)).map((ms) => new Date(ms).toISOString().replace('.000Z', 'Z'));

describe('bucketBoundaries', () => {
  it('hour: an offset change is an edge wherever the walk from the range start lands (Pacific/Gambier 1912, a seconds offset)', () => {
    // The property test's counterexample (FC_SEED=1165955071): starting here, a walk step ended exactly
    // on the change at 08:59:48Z and the edge was dropped; starting 12 s later it was kept.
    for (const centre of [Date.parse('1912-10-01T08:59:48Z'), Date.parse('1912-10-01T09:00:00Z')]) {
      const bounds = bucketBoundaries('Pacific/Gambier', 'hour', centre - 2819 * 60_000 - 59_000, centre + 1250 * 60_000);
      expect(bounds.map((ms) => new Date(ms).toISOString())).toEqual(expect.arrayContaining(['1912-10-01T08:59:48.000Z', '1912-10-01T09:00:00.000Z']));
    }
  });

  it('cuts UTC quarter hours for 15m, whatever the zone', () => {
    expect(bounds('Asia/Kathmandu', '15m', '2019-01-01T00:05:00Z', '2019-01-01T00:31:00Z')).toEqual([
      '2019-01-01T00:00:00Z',
      '2019-01-01T00:15:00Z',
      '2019-01-01T00:30:00Z',
      '2019-01-01T00:45:00Z',
    ]);
  });

  it('starts hours at local HH:00 in a quarter-hour zone', () => {
    expect(bounds('Asia/Kathmandu', 'hour', '2019-01-01T00:00:00Z', '2019-01-01T01:00:00Z')).toEqual([
      '2018-12-31T23:15:00Z',
      '2019-01-01T00:15:00Z',
      '2019-01-01T01:15:00Z',
    ]);
  });

  it('gives the 30-minute DST changes of Lord Howe Island a 30-minute hour bucket', () => {
    // 2019-04-07 02:00 +11 → 01:30 +10:30: the half hour 01:30–02:00 repeats as its own bucket.
    expect(bounds('Australia/Lord_Howe', 'hour', '2019-04-06T14:00:00Z', '2019-04-06T16:00:00Z')).toEqual([
      '2019-04-06T14:00:00Z',
      '2019-04-06T15:00:00Z',
      '2019-04-06T15:30:00Z',
      '2019-04-06T16:30:00Z',
    ]);
    // 2019-10-06 02:00 +10:30 → 02:30 +11: local hour 2 lasts 30 minutes.
    expect(bounds('Australia/Lord_Howe', 'hour', '2019-10-05T14:30:00Z', '2019-10-05T17:00:00Z')).toEqual([
      '2019-10-05T14:30:00Z',
      '2019-10-05T15:30:00Z',
      '2019-10-05T16:00:00Z',
      '2019-10-05T17:00:00Z',
    ]);
  });

  it('keeps the repeated hour of a whole-hour fall-back as two buckets and a DST day as 25 hours', () => {
    expect(bounds('Europe/Amsterdam', 'hour', '2019-10-27T00:00:00Z', '2019-10-27T02:00:00Z')).toEqual([
      '2019-10-27T00:00:00Z',
      '2019-10-27T01:00:00Z',
      '2019-10-27T02:00:00Z',
    ]);
    expect(bounds('Europe/Amsterdam', 'day', '2019-10-27T12:00:00Z', '2019-10-27T13:00:00Z')).toEqual(['2019-10-26T22:00:00Z', '2019-10-27T23:00:00Z']);
  });

  it('gives a skipped calendar day no bucket (Pacific/Apia 2011-12-30, Pacific/Kwajalein 1993-08-21)', () => {
    expect(bounds('Pacific/Apia', 'day', '2011-12-29T12:00:00Z', '2011-12-30T12:00:00Z')).toEqual([
      '2011-12-29T10:00:00Z', // 12-29 00:00 −10
      '2011-12-30T10:00:00Z', // 12-29 24:00 −10 = 12-31 00:00 +14
      '2011-12-31T10:00:00Z',
    ]);
    expect(bounds('Pacific/Kwajalein', 'day', '1993-08-20T12:00:00Z', '1993-08-21T13:00:00Z')).toEqual([
      '1993-08-20T12:00:00Z',
      '1993-08-21T12:00:00Z',
      '1993-08-22T12:00:00Z',
    ]);
  });

  it('starts a day whose midnight is skipped at the jump (America/Sao_Paulo 2018-11-04)', () => {
    expect(bounds('America/Sao_Paulo', 'day', '2018-11-04T12:00:00Z', '2018-11-04T13:00:00Z')).toEqual(['2018-11-04T03:00:00Z', '2018-11-05T02:00:00Z']);
  });

  it('puts boundaries at the second where the offset has seconds (local mean time)', () => {
    // Kolkata: +05:21:10 until 1941.
    expect(bounds('Asia/Kolkata', 'day', '1900-01-01T12:00:00Z', '1900-01-01T13:00:00Z')).toEqual(['1899-12-31T18:38:50Z', '1900-01-01T18:38:50Z']);
  });

  it('starts weeks on local Monday and months on the local first', () => {
    expect(bounds('Europe/Amsterdam', 'week', '2019-01-01T00:00:00Z', '2019-01-08T00:00:00Z')).toEqual([
      '2018-12-30T23:00:00Z',
      '2019-01-06T23:00:00Z',
      '2019-01-13T23:00:00Z',
    ]);
    expect(bounds('Europe/Amsterdam', 'month', '2019-03-15T00:00:00Z', '2019-04-02T00:00:00Z')).toEqual([
      '2019-02-28T23:00:00Z',
      '2019-03-31T22:00:00Z',
      '2019-04-30T22:00:00Z',
    ]);
  });

  it('reaches past year 9999 when the last bucket does (the caller clamps)', () => {
    expect(bounds('Europe/Amsterdam', 'month', '9999-12-15T00:00:00Z', '9999-12-31T23:59:59Z')).toEqual([
      '9999-11-30T23:00:00Z',
      '9999-12-31T23:00:00Z',
      '+010000-01-31T23:00:00Z',
    ]);
  });
});

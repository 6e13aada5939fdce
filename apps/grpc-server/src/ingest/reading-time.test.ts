import { TimeFieldReader, type MeterGrid } from './reading-time';

const QUARTER: MeterGrid = { intervalMs: 900_000, intervalSeconds: 900, previousLabelMs: -Infinity };
const at = (iso: string) => Date.parse(iso);

describe('TimeFieldReader', () => {
  it('reads plain times in the zone, and offsets as written', () => {
    const amsterdam = new TimeFieldReader('Europe/Amsterdam');
    expect(amsterdam.labelMs(2, '2019-01-01 01:15:00', QUARTER)).toBe(at('2019-01-01T00:15:00Z'));
    expect(amsterdam.labelMs(2, '2019-01-01T01:15:00Z', QUARTER)).toBe(at('2019-01-01T01:15:00Z'));
    expect(new TimeFieldReader('UTC').labelMs(2, '2019-01-01 01:15:00', QUARTER)).toBe(at('2019-01-01T01:15:00Z'));
  });

  it('resolves a repeated autumn hour to the first instant after the previous label, and refuses it when both lie before', () => {
    const amsterdam = new TimeFieldReader('Europe/Amsterdam');
    const first = amsterdam.labelMs(7, '2019-10-27 02:15:00', { ...QUARTER, previousLabelMs: at('2019-10-27T00:00:00Z') });
    const second = amsterdam.labelMs(8, '2019-10-27 02:15:00', { ...QUARTER, previousLabelMs: first as number });
    expect([first, second]).toEqual([at('2019-10-27T00:15:00Z'), at('2019-10-27T01:15:00Z')]);
    expect(amsterdam.labelMs(9, '2019-10-27 02:15:00', { ...QUARTER, previousLabelMs: second as number })).toMatchObject({
      line: 9,
      field: 'time',
      reason: expect.stringContaining('is ambiguous in Europe/Amsterdam'),
    });
  });

  it('refuses a skipped spring time, an off-grid time, an invalid offset and text that is no time', () => {
    const amsterdam = new TimeFieldReader('Europe/Amsterdam');
    expect(amsterdam.labelMs(3, '2019-03-31 02:15:00', QUARTER)).toEqual({
      line: 3,
      field: 'time',
      reason: 'local time "2019-03-31 02:15:00" does not exist in Europe/Amsterdam (skipped by a DST change)',
    });
    expect(amsterdam.labelMs(3, '2019-01-01 00:10:00Z', QUARTER)).toEqual({
      line: 3,
      field: 'time',
      reason: 'time "2019-01-01 00:10:00Z" is not on the 15-minute grid',
    });
    expect(amsterdam.labelMs(3, '2019-01-01 00:15:00+24:00', QUARTER)).toEqual({
      line: 3,
      field: 'time',
      reason: 'invalid UTC offset in "2019-01-01 00:15:00+24:00"',
    });
    expect(amsterdam.labelMs(3, 'soon', QUARTER)).toEqual({
      line: 3,
      field: 'time',
      reason: 'unparseable time "soon": expected "YYYY-MM-DD HH:MM:SS" or RFC 3339',
    });
  });
});

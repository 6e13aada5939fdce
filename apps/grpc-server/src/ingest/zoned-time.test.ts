import { localTimeResolver } from './zoned-time';

const wall = (iso: string) => Date.parse(`${iso}Z`);

describe('localTimeResolver', () => {
  const amsterdam = localTimeResolver('Europe/Amsterdam');

  it('maps an ordinary winter and summer local time with the right offset', () => {
    expect(amsterdam(wall('2019-01-17T03:00:00'))).toEqual({ kind: 'exact', utcMs: Date.parse('2019-01-17T02:00:00Z') });
    expect(amsterdam(wall('2019-07-01T12:00:00'))).toEqual({ kind: 'exact', utcMs: Date.parse('2019-07-01T10:00:00Z') });
  });

  it('reports the skipped hour of the spring change as a gap', () => {
    expect(amsterdam(wall('2019-03-31T02:30:00'))).toEqual({ kind: 'gap' });
    expect(amsterdam(wall('2019-03-31T03:00:00'))).toEqual({ kind: 'exact', utcMs: Date.parse('2019-03-31T01:00:00Z') });
  });

  it('reports the repeated hour of the autumn change as ambiguous with both instants', () => {
    expect(amsterdam(wall('2019-10-27T02:30:00'))).toEqual({
      kind: 'ambiguous',
      earlierUtcMs: Date.parse('2019-10-27T00:30:00Z'),
      laterUtcMs: Date.parse('2019-10-27T01:30:00Z'),
    });
  });

  it('passes UTC through unchanged', () => {
    expect(localTimeResolver('UTC')(wall('2019-03-31T02:30:00'))).toEqual({ kind: 'exact', utcMs: wall('2019-03-31T02:30:00') });
  });
});

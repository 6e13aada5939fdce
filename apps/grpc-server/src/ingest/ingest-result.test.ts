import { committedResult, decideUpload, rolledBackResult, type UploadTally } from './ingest-result';

const upload = { mode: 'atomic' as const, accepted: 10, rejected: 0, fileErrors: 0, meetsStored: false };

describe('decideUpload', () => {
  it('appends when no staged row meets a stored one, merges when one does', () => {
    expect(decideUpload(upload)).toEqual({ commit: true, write: 'append' });
    expect(decideUpload({ ...upload, meetsStored: true })).toEqual({ commit: true, write: 'merge' });
  });

  it('rolls an atomic upload back for any rejected row or file error, a partial one only when nothing was accepted', () => {
    expect(decideUpload({ ...upload, rejected: 1 })).toEqual({ commit: false });
    expect(decideUpload({ ...upload, fileErrors: 1 })).toEqual({ commit: false });
    expect(decideUpload({ ...upload, mode: 'partial', rejected: 1 })).toEqual({ commit: true, write: 'append' });
    expect(decideUpload({ ...upload, mode: 'partial', accepted: 0 })).toEqual({ commit: false });
  });
});

const tally: UploadTally = {
  accepted: 7,
  rejected: 3,
  errors: [{ line: 4, field: 'time', reason: 'duplicate time: line 2 already has a reading for this interval' }],
  rowCounts: [
    { meterId: 'a', accepted: 5, rejected: 1 },
    { meterId: 'b', accepted: 3, rejected: 1 },
  ],
  takenPerMeter: new Map([['b', 1]]),
  multiMeterFile: true,
  firstStartMs: 0,
  lastEndMs: 900_000,
};

describe('upload results', () => {
  it('count every accepted row of an append as inserted, less the rows the database checks took out', () => {
    const result = committedResult(tally, ['b'], undefined);
    expect(result).toMatchObject({ committed: true, accepted: 7, inserted: 7, updated: 0, unchanged: 0, skipped: 0, rejected: 3, metersCreated: ['b'] });
    expect(result.meters).toEqual([
      { meterId: 'a', created: false, inserted: 5, updated: 0, unchanged: 0, skipped: 0, rejected: 1 },
      { meterId: 'b', created: true, inserted: 2, updated: 0, unchanged: 0, skipped: 0, rejected: 2 },
    ]);
  });

  it('take a merge’s counts per meter; the rest of a meter’s rows were unchanged', () => {
    const result = committedResult(tally, [], [{ meterId: 'a', inserted: 1, updated: 2, skipped: 1 }]);
    expect(result).toMatchObject({ inserted: 1, updated: 2, skipped: 1, unchanged: 3 });
    expect(result.meters.map((meter) => [meter.meterId, meter.unchanged])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('report a rolled-back upload with nothing written and every rejection per meter', () => {
    const result = rolledBackResult(tally);
    expect(result).toMatchObject({ committed: false, accepted: 7, inserted: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 3, metersCreated: [] });
    expect(result.meters.map((meter) => [meter.meterId, meter.rejected])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});

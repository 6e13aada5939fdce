import type { ReadingBody } from './api';
import { createProvenanceCache, describeReading, qualityWord } from './reading-provenance';

describe('describeReading', () => {
  it('names the quality in words and the upload that wrote the value', () => {
    expect(describeReading({ quality: 'READING_QUALITY_ESTIMATED', uploadId: '42' })).toBe('estimated · upload 42');
    expect(describeReading({ quality: 'READING_QUALITY_MEASURED', uploadId: '1' })).toBe('actual · upload 1');
    expect(describeReading({ quality: 'READING_QUALITY_NOT_RECEIVED' })).toBe('not received');
    expect(qualityWord('READING_QUALITY_SOMETHING_NEW')).toBe('something new');
  });
});

describe('createProvenanceCache', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const reading: ReadingBody = { missing: false, quality: 'READING_QUALITY_EDITED', uploadId: '7' };
  const settle = async () => {
    jest.advanceTimersByTime(200);
    await Promise.resolve();
    await Promise.resolve();
  };

  it('asks once the pointer rests, only for the last interval pointed at, and keeps the answer until reset', async () => {
    const lookup = jest.fn((_meter: string, _start: number, _end: number, _signal: AbortSignal) => Promise.resolve(reading));
    const cache = createProvenanceCache(lookup);
    const answers: string[] = [];
    expect(cache.ask('m', 0, 900_000, (text) => answers.push(`first ${text}`))).toBeUndefined();
    jest.advanceTimersByTime(100);
    expect(cache.ask('m', 900_000, 1_800_000, (text) => answers.push(`second ${text}`))).toBeUndefined();
    await settle();
    expect(lookup.mock.calls.map(([meter, start, end]) => [meter, start, end])).toEqual([['m', 900_000, 1_800_000]]);
    expect(answers).toEqual(['second edited · upload 7']);

    expect(cache.ask('m', 900_000, 1_800_000, () => answers.push('again'))).toBe('edited · upload 7');
    expect(cache.ask('other', 900_000, 1_800_000, () => undefined)).toBeUndefined(); // another meter is another interval
    cache.reset();
    expect(cache.ask('m', 900_000, 1_800_000, (text) => answers.push(`after reset ${text}`))).toBeUndefined();
    await settle();
    expect(lookup).toHaveBeenCalledTimes(2);
    expect(answers).toEqual(['second edited · upload 7', 'after reset edited · upload 7']);
  });

  it('drops an answer the pointer has moved away from, and does not keep a failure', async () => {
    let fail = true;
    const lookup = jest.fn((_meter: string, _start: number, _end: number, signal: AbortSignal) =>
      fail ? Promise.reject(new Error('down')) : new Promise<ReadingBody>((resolve) => signal.addEventListener('abort', () => resolve(reading))),
    );
    const cache = createProvenanceCache(lookup);
    const answers: Array<[string, boolean]> = [];
    cache.ask('m', 0, 900_000, (text, failed) => answers.push([text, failed]));
    await settle();
    expect(answers).toEqual([['quality not available', true]]);

    fail = false;
    cache.ask('m', 0, 900_000, (text, failed) => answers.push([text, failed]));
    await settle();
    cache.cancel(); // the lookup resolves on abort, and the answer must not arrive
    await Promise.resolve();
    expect(answers).toHaveLength(1);
    expect(lookup).toHaveBeenCalledTimes(2);
  });
});

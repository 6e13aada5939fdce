// What one interval's value is and where it came from (its quality and the upload that wrote it),
// for the chart's tooltip. Only GET /api/readings knows it per interval, so it is asked once the
// pointer rests on a bucket (debounced: sweeping across a month would otherwise send thousands of
// requests) and kept until the data is drawn again (a revert or an upload may have changed it).
import type { ReadingQuality } from '@meterusage/contracts';
import type { ReadingBody } from './api';

/** The contract's qualities (types only: nothing of the contract reaches the bundle). */
type QualityName = Exclude<keyof typeof ReadingQuality, 'READING_QUALITY_UNSPECIFIED' | 'UNRECOGNIZED'>;

/** The words people read for each quality; MEASURED is what the README and the CSV call "actual". */
const QUALITY_WORDS: Readonly<Record<QualityName, string>> = {
  READING_QUALITY_MEASURED: 'actual',
  READING_QUALITY_ESTIMATED: 'estimated',
  READING_QUALITY_EDITED: 'edited',
  READING_QUALITY_MISSING_IN_SOURCE: 'missing in source',
  READING_QUALITY_NOT_RECEIVED: 'not received',
};

/** "estimated" for READING_QUALITY_ESTIMATED; a quality newer than this page in lower case. */
export function qualityWord(quality: string): string {
  return (
    QUALITY_WORDS[quality as QualityName] ??
    quality
      .replace(/^READING_QUALITY_/, '')
      .toLowerCase()
      .replaceAll('_', ' ')
  );
}

/** "estimated · upload 42"; a hole, written by no upload, names none. */
export function describeReading({ quality, uploadId }: Pick<ReadingBody, 'quality' | 'uploadId'>): string {
  return uploadId ? `${qualityWord(quality)} · upload ${uploadId}` : qualityWord(quality);
}

/** The one reading of a meter's interval [startMs, endMs), or undefined when the API lists none. */
export type ReadingLookup = (meterId: string, startMs: number, endMs: number, signal: AbortSignal) => Promise<ReadingBody | undefined>;

/** How long the pointer rests on a bucket before its reading is asked for. */
const REST_MS = 200;

export function createProvenanceCache(lookup: ReadingLookup, restMs = REST_MS) {
  let known = new Map<string, string>(); // "meter start" → description
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;

  function cancel(): void {
    clearTimeout(timer);
    timer = undefined;
    inFlight?.abort();
    inFlight = undefined;
  }

  return {
    /**
     * The description of an interval when it is known now. Otherwise undefined, and onAnswer gets
     * it once asked, unless another ask, cancel or reset comes first (the pointer moved on).
     */
    ask(meterId: string, startMs: number, endMs: number, onAnswer: (text: string, failed: boolean) => void): string | undefined {
      cancel();
      const key = `${meterId} ${startMs}`;
      const cached = known.get(key);
      if (cached !== undefined) return cached;
      timer = setTimeout(() => {
        const controller = new AbortController();
        inFlight = controller;
        lookup(meterId, startMs, endMs, controller.signal).then(
          (reading) => {
            if (controller.signal.aborted) return;
            const text = reading === undefined ? 'no reading' : describeReading(reading);
            known.set(key, text);
            onAnswer(text, false);
          },
          () => {
            if (!controller.signal.aborted) onAnswer('quality not available', true); // not kept: the next rest asks again
          },
        );
      }, restMs);
      return undefined;
    },

    /** Drops the pending question (the pointer left the chart). */
    cancel,

    /** Forgets every answer: the data was drawn again and may have changed. */
    reset(): void {
      cancel();
      known = new Map();
    },
  };
}

export type ProvenanceCache = ReturnType<typeof createProvenanceCache>;

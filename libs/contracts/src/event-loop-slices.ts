// Long work in slices: a caller does a little, asks the slicer, and yields to the event loop once a
// slice's time is used up, so health probes and other calls are answered meanwhile. Slices are
// timed rather than counted: under load every yield waits for a whole turn of a busy event loop,
// so long work should yield as rarely as the probes allow.

/** Milliseconds of work between two yields to the event loop: short enough for health probes, long enough that a busy loop does not starve the work. */
export const SLICE_MS = 10;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves at once (undefined) while the current slice has time left; else yields to the event loop and starts the next slice. */
export function slicer(sliceMs = SLICE_MS): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < sliceMs) return undefined;
    return yieldToEventLoop().then(() => {
      sliceStart = performance.now();
    });
  };
}

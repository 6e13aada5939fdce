/**
 * Whether work succeeded within timeoutMs. For the statements that end a connection's business
 * (closing a cursor, rolling back): a dead connection never answers them, and the caller then
 * discards the connection instead of waiting for good.
 */
export async function settlesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const settled = work.then(
    () => true,
    () => false,
  );
  const outcome = await Promise.race([settled, timedOut]);
  clearTimeout(timer);
  return outcome;
}

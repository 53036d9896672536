/** An item not started because the overall deadline had passed. */
export class DeadlinePassedError extends Error {
  override readonly name = 'DeadlinePassedError';
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight; settles every item, never rejects.
 * Items not yet started when `deadline` (a performance.now() value) has passed are settled as
 * rejected with DeadlinePassedError instead of being run.
 */
export async function boundedAllSettled<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      if (performance.now() > deadline) {
        results[i] = { status: 'rejected', reason: new DeadlinePassedError('hand-off deadline passed before this item started') };
        continue;
      }
      try {
        results[i] = { status: 'fulfilled', value: await work(items[i] as T) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/**
 * Promise.all that waits for every promise to settle before it fails: work still running (a
 * container to remove, a file to close) ends before the caller moves on. Then the first failure (an
 * interruption first), or the results.
 */
import { InterruptedError } from './errors.js';

export async function settleAll<T extends readonly unknown[]>(signal: AbortSignal | undefined, promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  if (signal?.aborted) throw new InterruptedError();
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

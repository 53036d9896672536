/** A promise with its settle functions, for waits that an event (not a poll) completes. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may ignore `durable` (acks=all) or `committed` (acks=1): never an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

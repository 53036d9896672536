import { ErrorCode, KafkaError } from '../util/errors.js';

/** Bytes that are not a well-formed `__meta` event or image (corruption or a bug upstream). */
export class MetaDecodeError extends KafkaError {
  override readonly name: string = 'MetaDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CORRUPT_MESSAGE, message, options);
  }
}

/**
 * A well-formed event or image written by a newer Chronik than this one. Refusing it (instead of
 * guessing) keeps every node's image identical: a node must be upgraded before it can apply it.
 */
export class UnsupportedMetaVersionError extends MetaDecodeError {
  override readonly name = 'UnsupportedMetaVersionError';
  readonly version: number;

  constructor(what: string, version: number, supported: number) {
    super(`${what} version ${version} is newer than the newest supported version ${supported}; upgrade this node`);
    this.version = version;
  }
}

/** A metadata wait reached its bound before the image satisfied it. */
export class MetaWaitTimeoutError extends KafkaError {
  override readonly name = 'MetaWaitTimeoutError';
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super(ErrorCode.REQUEST_TIMED_OUT, `timed out after ${timeoutMs} ms waiting for ${what}`);
    this.timeoutMs = timeoutMs;
  }
}

/** Too many callers are already waiting on metadata: back-pressure instead of unbounded growth. */
export class TooManyMetaWaitersError extends KafkaError {
  override readonly name = 'TooManyMetaWaitersError';

  constructor(maxWaiters: number) {
    super(ErrorCode.REQUEST_TIMED_OUT, `too many metadata waiters (limit ${maxWaiters})`);
  }
}

/** The wait was cancelled by its caller's AbortSignal or because the waiters were closed. */
export class MetaWaitAbortedError extends KafkaError {
  override readonly name = 'MetaWaitAbortedError';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.REQUEST_TIMED_OUT, `metadata wait aborted: ${reason}`, options);
  }
}

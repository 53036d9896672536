/** Typed errors of `chronik inspect`; main.ts maps them to exit codes. */
import { ErrorCode, KafkaError, StorageError } from '../../src/util/errors.js';

/** Exit codes, documented in docs/inspect.md. */
export const ExitCode = {
  OK: 0,
  /** verify/index: corruption found. */
  CORRUPT: 1,
  USAGE: 2,
  /** The target could not be read (I/O error, LevelDB copy failed). */
  FAILED: 3,
} as const;

/** Bad arguments or a path that is not a Chronik data dir, log dir or segment: exit 2. */
export class UsageError extends KafkaError {
  override readonly name = 'UsageError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.INVALID_REQUEST, message, options);
  }
}

/** Reading the target failed for a reason other than its contents: exit 3. */
export class InspectReadError extends StorageError {
  override readonly name = 'InspectReadError';
}

import { ErrorCode, KafkaError } from '../util/errors.js';

/**
 * An embedded-cluster operation that cannot be done as asked (a node id that does not exist, a
 * node that is down, a group still in use during `reset()`). Carries a Kafka error code so callers
 * that already handle KafkaError need nothing new.
 */
export class EmbeddedClusterError extends KafkaError {
  override readonly name = 'EmbeddedClusterError';

  constructor(message: string, options?: { cause?: unknown; code?: number }) {
    super(options?.code ?? ErrorCode.INVALID_REQUEST, message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

import { ErrorCode, KafkaError } from '../../util/errors.js';

/** A batch whose bytes are inconsistent (sizes, CRC, record encoding): Kafka's CORRUPT_MESSAGE. */
export class CorruptRecordBatchError extends KafkaError {
  override readonly name = 'CorruptRecordBatchError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CORRUPT_MESSAGE, message, options);
  }
}

/**
 * A legacy message set (magic 0 or 1). We store and serve only magic 2, so the producer is told the
 * format is unsupported rather than that its bytes are corrupt.
 */
export class UnsupportedMessageFormatError extends KafkaError {
  override readonly name = 'UnsupportedMessageFormatError';

  constructor(message: string) {
    super(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, message);
  }
}

/** A well-formed batch a producer may not send (a control batch, inconsistent counts): INVALID_RECORD. */
export class InvalidRecordError extends KafkaError {
  override readonly name = 'InvalidRecordError';

  constructor(message: string) {
    super(ErrorCode.INVALID_RECORD, message);
  }
}

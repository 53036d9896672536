import { ErrorCode, KafkaError } from '../../util/errors.js';

/**
 * Bytes from a client that do not decode as the message they claim to be (truncated, a length past
 * the end, a varint that overflows). The connection that sent them is closed; nothing else is
 * affected. Kafka treats these as INVALID_REQUEST.
 */
export class ProtocolDecodeError extends KafkaError {
  override readonly name = 'ProtocolDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.INVALID_REQUEST, message, options);
  }
}

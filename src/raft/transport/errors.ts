import { ErrorCode, KafkaError } from '../../util/errors.js';

/** A failure of the node-to-node transport; to Kafka clients it is a network problem. */
export class TransportError extends KafkaError {
  override readonly name: string = 'TransportError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.NETWORK_EXCEPTION, message, options);
  }
}

export type FrameErrorKind = 'oversize' | 'crc' | 'malformed';

/**
 * A frame that cannot be trusted. The connection that carried it is closed; nothing else is
 * affected, because a byte stream that lied once cannot be resynchronised.
 */
export class FrameError extends TransportError {
  override readonly name = 'FrameError';
  readonly kind: FrameErrorKind;

  constructor(kind: FrameErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The peer's handshake was refused (by us or by the peer); `reason` is what gets logged. */
export class HandshakeError extends TransportError {
  override readonly name = 'HandshakeError';
}

import { ErrorCode, KafkaError, NotLeaderError } from '../../util/errors.js';

export { NotLeaderError };

/** Bytes from the network that are not a valid Raft message. */
export class RaftCodecError extends KafkaError {
  override readonly name = 'RaftCodecError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CORRUPT_MESSAGE, message, options);
  }
}

/**
 * A proposal the leader refused for now (too many uncommitted bytes, a configuration change already
 * pending, a leadership transfer under way). Retriable: the client backs off and retries.
 */
export class ProposalDroppedError extends KafkaError {
  override readonly name = 'ProposalDroppedError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.NOT_ENOUGH_REPLICAS, message, options);
  }
}

/**
 * A well-formed message that contradicts what this node knows to be committed (only a misbehaving
 * or corrupted peer sends one). Thrown by step() before any state changes; the driver drops the
 * message and reports the peer.
 */
export class RaftProtocolError extends KafkaError {
  override readonly name = 'RaftProtocolError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CORRUPT_MESSAGE, message, options);
  }
}

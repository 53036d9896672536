import { ErrorCode, KafkaError } from '../../util/errors.js';

/** No such group on this node (the metadata layer has not created it, or it was removed). */
export class GroupNotFoundError extends KafkaError {
  override readonly name = 'GroupNotFoundError';
  constructor(groupId: string) {
    super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `raft group ${groupId} is not hosted here`);
  }
}

/**
 * A proposal that will not be committed as proposed: another term's entry took its index, the group
 * was removed or the host closed. `ambiguous` means its fate is unknown (leadership was lost and the
 * group did not settle it in time): it may still commit, so the client must treat it as a timeout.
 */
export class ProposalLostError extends KafkaError {
  override readonly name = 'ProposalLostError';
  readonly ambiguous: boolean;
  constructor(message: string, ambiguous: boolean, options?: { cause?: unknown }) {
    super(ambiguous ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_LEADER_OR_FOLLOWER, message, options);
    this.ambiguous = ambiguous;
  }
}

/** The host (or the group) was closed while the operation was pending. */
export class RaftClosedError extends KafkaError {
  override readonly name = 'RaftClosedError';
  constructor(message: string) {
    super(ErrorCode.NOT_LEADER_OR_FOLLOWER, message);
  }
}

/** A bounded wait (read barrier, leadership transfer) ran out. */
export class RaftTimeoutError extends KafkaError {
  override readonly name = 'RaftTimeoutError';
  constructor(message: string) {
    super(ErrorCode.REQUEST_TIMED_OUT, message);
  }
}

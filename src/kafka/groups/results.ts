import { ErrorCode, KafkaError } from '../../util/errors.js';
import { EMPTY_BYTES } from './member.js';
import type { JoinGroupResult, SyncGroupResult } from './types.js';

export function joinError(errorCode: number, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: '', memberId, members: [] };
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

/**
 * The error a client sees when the group log could not commit a write, as Kafka maps them: a lost
 * leadership sends the client to find the new coordinator, transient replication trouble makes it
 * retry, an oversized commit is reported as such.
 */
export function appendErrorCode(error: unknown, kind: 'offsets' | 'group'): number {
  if (!(error instanceof KafkaError)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  switch (error.code) {
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return kind === 'offsets' ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

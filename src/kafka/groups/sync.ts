import { ErrorCode } from '../../util/errors.js';
import type { CoordinatorContext } from './context.js';
import type { Group } from './group.js';
import type { MemberState } from './member.js';
import { answerSync, EMPTY_BYTES } from './member.js';
import {
  maybePrepareRebalance,
  propagateAssignment,
  resetAndPropagateAssignmentError,
  scheduleHeartbeat,
} from './rebalance.js';
import { appendErrorCode, syncError } from './results.js';
import { groupMetadataRecord } from './store.js';
import type { SyncGroupRequest, SyncGroupResult } from './types.js';

export function syncGroup(ctx: CoordinatorContext, group: Group | undefined, req: SyncGroupRequest): Promise<SyncGroupResult> {
  const error = validateSync(group, req);
  if (error !== ErrorCode.NONE || group === undefined) return Promise.resolve(syncError(error));
  const member = group.members.get(req.memberId);
  if (member === undefined) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  markSynced(group, req.memberId);
  if (group.is('Stable')) {
    scheduleHeartbeat(ctx, group, member);
    return Promise.resolve({
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    });
  }
  // CompletingRebalance: park until the leader's assignment is durable.
  const result = parkSync(member);
  if (member.memberId === group.leaderId) void completeLeaderSync(ctx, group, req);
  return result;
}

function validateSync(group: Group | undefined, req: SyncGroupRequest): number {
  if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
  if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  if (
    (req.protocolType !== null && req.protocolType !== group.protocolType) ||
    (req.protocolName !== null && req.protocolName !== group.protocolName)
  ) {
    return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  }
  if (group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.is('PreparingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

function markSynced(group: Group, memberId: string): void {
  group.pendingSyncMembers.delete(memberId);
  if (group.pendingSyncMembers.size === 0) group.timers.clear('sync');
}

function parkSync(member: MemberState): Promise<SyncGroupResult> {
  // A duplicate SyncGroup replaces the parked one; the older request is told to rejoin.
  answerSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
  return new Promise((resolve) => {
    member.syncWaiter = resolve;
  });
}

/**
 * The leader's assignment is written to the group log first and applied only once committed, so
 * a coordinator failover never loses an assignment that members already received.
 */
async function completeLeaderSync(ctx: CoordinatorContext, group: Group, req: SyncGroupRequest): Promise<void> {
  const generationId = group.generationId;
  const assignments = new Map<string, Uint8Array>();
  for (const a of req.assignments) if (group.members.has(a.memberId)) assignments.set(a.memberId, a.assignment);
  const record = groupMetadataRecord(group, ctx.clock.now(), assignments);
  let errorCode: number = ErrorCode.NONE;
  try {
    await ctx.log.append(group.partition, [record]);
  } catch (error: unknown) {
    errorCode = appendErrorCode(error, 'group');
    ctx.logger.warn({ groupId: group.groupId, generationId, err: error }, 'storing assignment failed');
  }
  // Anything may have happened while the write was in flight (a member left, a new rebalance).
  if (!group.is('CompletingRebalance') || group.generationId !== generationId) return;
  if (errorCode !== ErrorCode.NONE) {
    resetAndPropagateAssignmentError(group, errorCode);
    maybePrepareRebalance(ctx, group, 'storing the assignment failed');
    return;
  }
  for (const member of group.members.values()) member.assignment = assignments.get(member.memberId) ?? EMPTY_BYTES;
  propagateAssignment(ctx, group);
  group.transitionTo('Stable', ctx.clock.now());
  ctx.logger.info({ groupId: group.groupId, generationId }, 'group stable');
}

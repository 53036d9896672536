import { ErrorCode } from '../../util/errors.js';
import type { CoordinatorContext } from './context.js';
import type { Group } from './group.js';
import { removeMemberAndUpdateGroup, scheduleHeartbeat, tryCompleteJoin } from './rebalance.js';
import type { HeartbeatRequest, HeartbeatResult, LeaveGroupMemberResult, LeaveGroupResult, LeavingMember } from './types.js';
import { UNKNOWN_MEMBER_ID } from './types.js';

export function heartbeat(ctx: CoordinatorContext, group: Group | undefined, req: HeartbeatRequest): HeartbeatResult {
  if (group === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
  if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return { errorCode: ErrorCode.FENCED_INSTANCE_ID };
  const member = group.members.get(req.memberId);
  if (member === undefined) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
  if (req.generationId !== group.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
  switch (group.state) {
    case 'Empty':
      return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    case 'PreparingRebalance':
      // Alive, but must rejoin: REBALANCE_IN_PROGRESS is how a member learns of a rebalance.
      scheduleHeartbeat(ctx, group, member);
      return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
    default:
      scheduleHeartbeat(ctx, group, member);
      return { errorCode: ErrorCode.NONE };
  }
}

export function leaveGroup(ctx: CoordinatorContext, group: Group | undefined, members: readonly LeavingMember[]): LeaveGroupResult {
  if (group === undefined) {
    return { errorCode: ErrorCode.NONE, members: members.map((m) => memberResult(m, ErrorCode.UNKNOWN_MEMBER_ID)) };
  }
  if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
  return { errorCode: ErrorCode.NONE, members: members.map((m) => memberResult(m, leaveOne(ctx, group, m))) };
}

function memberResult(m: LeavingMember, errorCode: number): LeaveGroupMemberResult {
  return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode };
}

function leaveOne(ctx: CoordinatorContext, group: Group, leaving: LeavingMember): number {
  let memberId = leaving.memberId;
  if (memberId === UNKNOWN_MEMBER_ID && leaving.groupInstanceId !== null) {
    // A static member may leave by instance id alone (e.g. kafka-consumer-groups --remove-members).
    const current = group.staticMembers.get(leaving.groupInstanceId);
    if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    memberId = current;
  } else if (group.isStaticMemberFenced(memberId, leaving.groupInstanceId)) {
    return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (group.pendingMembers.delete(memberId)) {
    group.timers.clear(`pending:${memberId}`);
    tryCompleteJoin(ctx, group);
    return ErrorCode.NONE;
  }
  const member = group.members.get(memberId);
  if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  ctx.logger.info({ groupId: group.groupId, memberId }, 'member left the group');
  removeMemberAndUpdateGroup(ctx, group, member, 'left the group');
  return ErrorCode.NONE;
}

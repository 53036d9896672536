import { unreachable } from '../../util/assert.js';
import { ErrorCode } from '../../util/errors.js';
import type { CoordinatorContext } from './context.js';
import type { Group } from './group.js';
import type { MemberState } from './member.js';
import { answerJoin, answerSync, createMember, EMPTY_BYTES, memberMetadata, sameProtocols } from './member.js';
import { selectProtocol } from './protocol-selection.js';
import {
  maybePrepareRebalance,
  memberTimerKey,
  prepareRebalance,
  scheduleHeartbeat,
  tryCompleteJoin,
} from './rebalance.js';
import { appendErrorCode, joinError } from './results.js';
import { groupMetadataRecord } from './store.js';
import type { JoinGroupRequest, JoinGroupResult } from './types.js';
import { UNKNOWN_MEMBER_ID } from './types.js';

/** JoinGroup on an existing (possibly just created) group; the caller validated ownership and ids. */
export function joinGroup(ctx: CoordinatorContext, group: Group, req: JoinGroupRequest): Promise<JoinGroupResult> {
  if (group.is('Dead')) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
  }
  const result = req.memberId === UNKNOWN_MEMBER_ID ? joinNewMember(ctx, group, req) : joinKnownMember(ctx, group, req);
  // The join may have been the last one the rebalance was waiting for.
  tryCompleteJoin(ctx, group);
  return result;
}

function joinNewMember(ctx: CoordinatorContext, group: Group, req: JoinGroupRequest): Promise<JoinGroupResult> {
  const existingStatic = req.groupInstanceId === null ? undefined : group.staticMembers.get(req.groupInstanceId);
  if (existingStatic === undefined && group.members.size + group.pendingMembers.size >= ctx.config.maxGroupSize) {
    return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, req.memberId));
  }
  const memberId = uniqueMemberId(ctx, group, req.clientId);
  if (memberId === null) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
  if (existingStatic !== undefined) return replaceStaticMember(ctx, group, existingStatic, memberId, req);
  if (req.groupInstanceId === null && req.requireKnownMemberId) {
    // KIP-394: the member must come back with this id, so that a client that times out before the
    // response does not leave an orphan member behind. It is forgotten after a session timeout.
    group.pendingMembers.add(memberId);
    group.timers.set(`pending:${memberId}`, req.sessionTimeoutMs, () => {
      group.pendingMembers.delete(memberId);
      tryCompleteJoin(ctx, group);
      ctx.forgetIfUnused(group);
    });
    return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
  }
  return addMemberAndRebalance(ctx, group, memberId, req);
}

/** A fresh member id; the generator is random, but a collision must not corrupt the group. */
function uniqueMemberId(ctx: CoordinatorContext, group: Group, clientId: string): string | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    const memberId = ctx.newMemberId(clientId);
    if (!group.members.has(memberId) && !group.pendingMembers.has(memberId)) return memberId;
  }
  ctx.logger.error({ groupId: group.groupId, clientId }, 'member id generator keeps colliding');
  return null;
}

function joinKnownMember(ctx: CoordinatorContext, group: Group, req: JoinGroupRequest): Promise<JoinGroupResult> {
  if (group.pendingMembers.has(req.memberId)) return addMemberAndRebalance(ctx, group, req.memberId, req);
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) {
    return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
  }
  const member = group.members.get(req.memberId);
  if (member === undefined) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
  switch (group.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(ctx, group, member, req);
    case 'CompletingRebalance':
      // The same metadata again: the member probably missed our response; repeat it.
      if (sameProtocols(member.protocols, req.protocols)) return Promise.resolve(currentGeneration(ctx, group, member));
      return updateMemberAndRebalance(ctx, group, member, req);
    case 'Stable':
      // A follower rejoining with unchanged metadata just gets the current generation; the leader
      // (or changed metadata) means the assignment has to be redone.
      if (member.memberId !== group.leaderId && sameProtocols(member.protocols, req.protocols)) {
        return Promise.resolve(currentGeneration(ctx, group, member));
      }
      return updateMemberAndRebalance(ctx, group, member, req);
    case 'Empty':
    case 'Dead':
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    default:
      return unreachable(group.state);
  }
}

function currentGeneration(ctx: CoordinatorContext, group: Group, member: MemberState): JoinGroupResult {
  scheduleHeartbeat(ctx, group, member);
  const protocolName = group.protocolName;
  const isLeader = member.memberId === group.leaderId;
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName,
    leaderId: group.leaderId ?? '',
    memberId: member.memberId,
    members:
      isLeader && protocolName !== null
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: memberMetadata(m, protocolName) ?? EMPTY_BYTES,
          }))
        : [],
  };
}

function parkJoin(member: MemberState): Promise<JoinGroupResult> {
  // A duplicate join replaces the parked one; the older request is told to rejoin.
  answerJoin(member, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
  return new Promise((resolve) => {
    member.joinWaiter = resolve;
  });
}

function addMemberAndRebalance(ctx: CoordinatorContext, group: Group, memberId: string, req: JoinGroupRequest): Promise<JoinGroupResult> {
  group.pendingMembers.delete(memberId);
  group.timers.clear(`pending:${memberId}`);
  const member = createMember({
    memberId,
    groupInstanceId: req.groupInstanceId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
  });
  member.isNew = true;
  // Members arriving during an empty group's initial delay extend that delay.
  if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
  const result = parkJoin(member);
  group.add(member);
  scheduleHeartbeat(ctx, group, member, ctx.config.newMemberJoinTimeoutMs);
  maybePrepareRebalance(ctx, group, `adding new member ${memberId}`);
  return result;
}

type MemberSettings = Pick<JoinGroupRequest, 'protocols' | 'rebalanceTimeoutMs' | 'sessionTimeoutMs' | 'clientId' | 'clientHost'>;

function updateMember(member: MemberState, req: MemberSettings): void {
  member.protocols = req.protocols;
  member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  member.sessionTimeoutMs = req.sessionTimeoutMs;
  member.clientId = req.clientId;
  member.clientHost = req.clientHost;
}

function updateMemberAndRebalance(ctx: CoordinatorContext, group: Group, member: MemberState, req: JoinGroupRequest): Promise<JoinGroupResult> {
  updateMember(member, req);
  const result = parkJoin(member);
  maybePrepareRebalance(ctx, group, `updating metadata of member ${member.memberId}`);
  return result;
}

/**
 * KIP-345: a static member restarting with an unknown member id takes over its old identity. The
 * old id is fenced. In a Stable group whose chosen protocol does not change, no rebalance happens:
 * the member gets the current generation back (and the old leader id, so that a restarted leader
 * does not redo an assignment that a Stable group would not distribute).
 */
async function replaceStaticMember(
  ctx: CoordinatorContext,
  group: Group,
  oldMemberId: string,
  newMemberId: string,
  req: JoinGroupRequest,
): Promise<JoinGroupResult> {
  const old = group.members.get(oldMemberId);
  if (old === undefined) return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
  answerJoin(old, joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
  answerSync(old, { errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: null, protocolName: null, assignment: EMPTY_BYTES });
  const previous = { ...old };
  const currentLeader = group.leaderId;
  group.timers.clear(memberTimerKey(oldMemberId));
  const member = group.replaceStaticMember(oldMemberId, newMemberId);
  updateMember(member, req);
  scheduleHeartbeat(ctx, group, member);
  ctx.logger.info({ groupId: group.groupId, groupInstanceId: req.groupInstanceId, oldMemberId, newMemberId }, 'static member rejoined');
  switch (group.state) {
    case 'Stable':
      if (group.protocolName !== selectProtocol(group.members.values())) {
        const result = parkJoin(member);
        prepareRebalance(ctx, group, `static member ${newMemberId} changed the selected protocol`);
        return result;
      }
      return persistReplacement(ctx, group, member, previous, currentLeader);
    case 'CompletingRebalance': {
      // The leader may already be assigning with the old member id: start over.
      const result = parkJoin(member);
      prepareRebalance(ctx, group, `static member ${newMemberId} rejoined during sync`);
      return result;
    }
    case 'PreparingRebalance':
      return parkJoin(member);
    case 'Empty':
    case 'Dead':
      return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    default:
      return unreachable(group.state);
  }
}

async function persistReplacement(
  ctx: CoordinatorContext,
  group: Group,
  member: MemberState,
  previous: MemberState,
  currentLeader: string | null,
): Promise<JoinGroupResult> {
  const generationId = group.generationId;
  try {
    await ctx.log.append(group.partition, [groupMetadataRecord(group, ctx.clock.now())]);
  } catch (error: unknown) {
    revertReplacement(ctx, group, member, previous);
    return joinError(appendErrorCode(error, 'group'), UNKNOWN_MEMBER_ID);
  }
  return {
    errorCode: ErrorCode.NONE,
    generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leaderId: currentLeader ?? '',
    memberId: member.memberId,
    members: [],
  };
}

function revertReplacement(ctx: CoordinatorContext, group: Group, member: MemberState, previous: MemberState): void {
  if (group.members.get(member.memberId) !== member) return;
  group.timers.clear(memberTimerKey(member.memberId));
  group.replaceStaticMember(member.memberId, previous.memberId);
  updateMember(member, previous);
  scheduleHeartbeat(ctx, group, member);
}

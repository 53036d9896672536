import { assert } from '../../util/assert.js';
import { ErrorCode } from '../../util/errors.js';
import type { CoordinatorContext } from './context.js';
import type { Group } from './group.js';
import type { MemberState } from './member.js';
import { answerJoin, answerSync, EMPTY_BYTES, memberMetadata } from './member.js';
import { selectProtocol } from './protocol-selection.js';
import { joinError, syncError } from './results.js';
import { groupMetadataRecord } from './store.js';
import type { JoinGroupMember } from './types.js';

/**
 * The rebalance protocol of one group: preparing a rebalance, completing the join phase into a new
 * generation, and removing members (leave, session expiry, rebalance timeout). This mirrors Kafka's
 * GroupCoordinator so that clients see the behaviour they were written against.
 */

export function memberTimerKey(memberId: string): string {
  return `member:${memberId}`;
}

/** (Re)arms a member's liveness deadline; any sign of life from the member calls this. */
export function scheduleHeartbeat(ctx: CoordinatorContext, group: Group, member: MemberState, timeoutMs?: number): void {
  const memberId = member.memberId;
  group.timers.set(memberTimerKey(memberId), timeoutMs ?? member.sessionTimeoutMs, () => {
    onMemberExpired(ctx, group, memberId);
  });
}

function onMemberExpired(ctx: CoordinatorContext, group: Group, memberId: string): void {
  const member = group.members.get(memberId);
  if (member === undefined) return;
  // A member parked in JoinGroup/SyncGroup is covered by the rebalance deadlines instead, except a
  // brand-new member, which may have given up on its first join.
  if (!member.isNew && (member.joinWaiter !== null || member.syncWaiter !== null)) return;
  ctx.logger.info({ groupId: group.groupId, memberId, generationId: group.generationId }, 'member session expired');
  removeMemberAndUpdateGroup(ctx, group, member, 'session timeout');
}

export function removeMemberAndUpdateGroup(ctx: CoordinatorContext, group: Group, member: MemberState, reason: string): void {
  answerJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, ''));
  answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  group.timers.clear(memberTimerKey(member.memberId));
  group.remove(member.memberId);
  switch (group.state) {
    case 'Dead':
    case 'Empty':
      return;
    case 'Stable':
    case 'CompletingRebalance':
      maybePrepareRebalance(ctx, group, `removing member ${member.memberId}: ${reason}`);
      return;
    case 'PreparingRebalance':
      tryCompleteJoin(ctx, group);
      return;
  }
}

export function maybePrepareRebalance(ctx: CoordinatorContext, group: Group, reason: string): void {
  if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) prepareRebalance(ctx, group, reason);
}

export function prepareRebalance(ctx: CoordinatorContext, group: Group, reason: string): void {
  if (group.is('CompletingRebalance')) resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
  group.timers.clear('sync');
  group.pendingSyncMembers.clear();
  const wasEmpty = group.is('Empty');
  group.transitionTo('PreparingRebalance', ctx.clock.now());
  ctx.logger.info({ groupId: group.groupId, generationId: group.generationId, reason }, 'preparing rebalance');
  const delayMs = ctx.config.initialRebalanceDelayMs;
  if (wasEmpty && delayMs > 0) {
    // An empty group waits a little so that a fleet of consumers starting together lands in one
    // rebalance instead of one per member.
    group.joinPhase = 'initial-delay';
    group.newMemberAdded = false;
    group.initialDelayRemainingMs = Math.max(group.maxRebalanceTimeoutMs() - delayMs, 0);
    group.timers.set('join', delayMs, () => onInitialDelayExpired(ctx, group));
    return;
  }
  group.joinPhase = 'awaiting-members';
  group.timers.set('join', group.maxRebalanceTimeoutMs(), () => completeJoin(ctx, group));
  tryCompleteJoin(ctx, group);
}

function onInitialDelayExpired(ctx: CoordinatorContext, group: Group): void {
  const delayMs = ctx.config.initialRebalanceDelayMs;
  if (group.newMemberAdded && group.initialDelayRemainingMs > 0) {
    // Extended while members keep arriving, but never beyond the rebalance timeout in total.
    group.newMemberAdded = false;
    const nextMs = Math.min(delayMs, group.initialDelayRemainingMs);
    group.initialDelayRemainingMs -= nextMs;
    group.timers.set('join', nextMs, () => onInitialDelayExpired(ctx, group));
    return;
  }
  completeJoin(ctx, group);
}

/** Completes the join phase early once every member (and every pending member) has rejoined. */
export function tryCompleteJoin(ctx: CoordinatorContext, group: Group): void {
  if (group.is('PreparingRebalance') && group.joinPhase === 'awaiting-members' && group.allMembersJoined()) {
    completeJoin(ctx, group);
  }
}

function completeJoin(ctx: CoordinatorContext, group: Group): void {
  assert(group.is('PreparingRebalance'), `completing a join in state ${group.state}`);
  group.timers.clear('join');
  group.joinPhase = 'none';
  for (const member of [...group.members.values()]) {
    // A dynamic member that did not rejoin within the rebalance timeout leaves the group. A static
    // member keeps its place (KIP-345: a bounce must not reshuffle partitions); only its session
    // timeout removes it.
    if (member.joinWaiter !== null || member.groupInstanceId !== null) continue;
    ctx.logger.info({ groupId: group.groupId, memberId: member.memberId }, 'member failed to rejoin in time');
    group.timers.clear(memberTimerKey(member.memberId));
    answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
  }
  if (!electJoinedLeader(group)) {
    // Only absent static members are left: wait another rebalance timeout for them (or for their
    // sessions to expire) rather than form a generation nobody joined.
    group.joinPhase = 'awaiting-members';
    group.timers.set('join', group.maxRebalanceTimeoutMs(), () => completeJoin(ctx, group));
    return;
  }
  const nowMs = ctx.clock.now();
  group.generationId++;
  if (group.members.size === 0) {
    group.protocolName = null;
    group.transitionTo('Empty', nowMs);
    persistInBackground(ctx, group);
    return;
  }
  group.protocolName = selectProtocol(group.members.values());
  group.transitionTo('CompletingRebalance', nowMs);
  answerJoiners(ctx, group);
  ctx.logger.info(
    { groupId: group.groupId, generationId: group.generationId, members: group.members.size },
    'rebalance join phase complete',
  );
}

/** Makes sure the leader is a member that rejoined; false if members remain but none rejoined. */
function electJoinedLeader(group: Group): boolean {
  if (group.members.size === 0) return true;
  const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId);
  if (leader !== undefined && leader.joinWaiter !== null) return true;
  for (const m of group.members.values()) {
    if (m.joinWaiter === null) continue;
    group.leaderId = m.memberId;
    return true;
  }
  return false;
}

function answerJoiners(ctx: CoordinatorContext, group: Group): void {
  const protocolName = group.protocolName;
  const leaderId = group.leaderId;
  assert(protocolName !== null && leaderId !== null, 'a completing group has a protocol and a leader');
  const roster: JoinGroupMember[] = [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    metadata: memberMetadata(m, protocolName) ?? EMPTY_BYTES,
  }));
  for (const member of group.members.values()) {
    answerJoin(member, {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName,
      leaderId,
      memberId: member.memberId,
      members: member.memberId === leaderId ? roster : [],
    });
    member.isNew = false;
    scheduleHeartbeat(ctx, group, member);
    group.pendingSyncMembers.add(member.memberId);
  }
  // Members that never send SyncGroup (the leader, above all) must not stall the group forever.
  group.timers.set('sync', group.maxRebalanceTimeoutMs(), () => onPendingSyncExpired(ctx, group));
}

function onPendingSyncExpired(ctx: CoordinatorContext, group: Group): void {
  if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) return;
  const missing = [...group.pendingSyncMembers];
  ctx.logger.info({ groupId: group.groupId, missing }, 'members did not sync in time');
  for (const memberId of missing) {
    const member = group.members.get(memberId);
    if (member === undefined) continue;
    answerJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, ''));
    answerSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.timers.clear(memberTimerKey(memberId));
    group.remove(memberId);
  }
  maybePrepareRebalance(ctx, group, 'pending sync expired');
}

export function resetAndPropagateAssignmentError(group: Group, errorCode: number): void {
  assert(group.is('CompletingRebalance'), `resetting assignments in state ${group.state}`);
  for (const member of group.members.values()) {
    member.assignment = EMPTY_BYTES;
    answerSync(member, syncError(errorCode));
  }
}

/** Hands every parked SyncGroup its assignment. */
export function propagateAssignment(ctx: CoordinatorContext, group: Group): void {
  for (const member of group.members.values()) {
    if (member.syncWaiter === null) continue;
    answerSync(member, {
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    });
    scheduleHeartbeat(ctx, group, member);
  }
}

/** Persists the group's membership; failures are logged (the next store supersedes it). */
export function persistInBackground(ctx: CoordinatorContext, group: Group): void {
  const record = groupMetadataRecord(group, ctx.clock.now());
  ctx.log.append(group.partition, [record]).catch((error: unknown) => {
    ctx.logger.warn({ groupId: group.groupId, generationId: record.generationId, err: error }, 'storing group failed');
  });
}

import { unreachable } from '../../util/assert.js';
import type { CoordinatorContext } from './context.js';
import { Group } from './group.js';
import { createMember } from './member.js';
import { scheduleHeartbeat } from './rebalance.js';
import type { GroupMetadataRecord, GroupRecord } from './records.js';
import type { Scheduler } from './time.js';

/** What replaying a partition's records leaves for one group. */
export interface ReplayedGroup {
  metadata: GroupMetadataRecord | null;
  readonly offsets: Map<string, GroupRecord & { kind: 'offset' }>;
}

/** Folds one record into the replay state; later records supersede earlier ones. */
export function replayRecord(state: Map<string, ReplayedGroup>, record: GroupRecord): void {
  let entry = state.get(record.groupId);
  if (entry === undefined) {
    entry = { metadata: null, offsets: new Map() };
    state.set(record.groupId, entry);
  }
  switch (record.kind) {
    case 'offset':
      entry.offsets.set(`${record.topic}\u0000${record.partition}`, record);
      break;
    case 'offset-tombstone':
      entry.offsets.delete(`${record.topic}\u0000${record.partition}`);
      break;
    case 'group':
      entry.metadata = record;
      break;
    case 'group-tombstone':
      entry.metadata = null;
      break;
    default:
      unreachable(record);
  }
  if (entry.metadata === null && entry.offsets.size === 0) state.delete(record.groupId);
}

/**
 * Builds the groups of a freshly loaded partition. A group with members comes back Stable with
 * fresh session deadlines (its members keep heartbeating to the new coordinator); one without
 * members comes back Empty, keeping its offsets.
 */
export function materializeGroups(
  ctx: CoordinatorContext,
  scheduler: Scheduler,
  partition: number,
  state: ReadonlyMap<string, ReplayedGroup>,
): Map<string, Group> {
  const groups = new Map<string, Group>();
  const nowMs = ctx.clock.now();
  for (const [groupId, replayed] of state) {
    const group = new Group(groupId, partition, scheduler, nowMs);
    for (const o of replayed.offsets.values()) group.setOffset(o.topic, o.partition, o);
    if (replayed.metadata !== null) restoreMembership(ctx, group, replayed.metadata);
    groups.set(groupId, group);
  }
  return groups;
}

function restoreMembership(ctx: CoordinatorContext, group: Group, md: GroupMetadataRecord): void {
  group.generationId = md.generationId;
  group.protocolType = md.protocolType;
  group.protocolName = md.protocolName;
  // Members are only persisted with a chosen protocol; without one the group is Empty.
  const members = md.protocolName === null ? [] : md.members;
  for (const pm of members) {
    const member = createMember({
      memberId: pm.memberId,
      groupInstanceId: pm.groupInstanceId,
      clientId: pm.clientId,
      clientHost: pm.clientHost,
      rebalanceTimeoutMs: pm.rebalanceTimeoutMs,
      sessionTimeoutMs: pm.sessionTimeoutMs,
      protocolType: md.protocolType ?? '',
      protocols: md.protocolName === null ? [] : [{ name: md.protocolName, metadata: pm.subscription }],
    });
    member.assignment = pm.assignment;
    group.add(member);
  }
  if (md.leaderId !== null && group.members.has(md.leaderId)) group.leaderId = md.leaderId;
  if (group.members.size === 0) return;
  // Loading is the one place a group starts in a state other than Empty.
  group.state = 'Stable';
  for (const member of group.members.values()) scheduleHeartbeat(ctx, group, member);
}

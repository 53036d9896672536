import { assert } from '../../util/assert.js';
import type { MemberState } from './member.js';
import { TimerSet } from './timers.js';
import type { Scheduler } from './time.js';
import type { GroupProtocol, GroupState } from './types.js';

export interface OffsetEntry {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
}

/** Which states may precede each state (Kafka's GroupState.validPreviousStates). */
const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/**
 * The in-memory state of one group. It holds data and enforces structural invariants; the
 * rebalance protocol that drives it lives in rebalance.ts / join.ts / sync.ts.
 */
export class Group {
  readonly groupId: string;
  readonly partition: number;
  state: GroupState = 'Empty';
  stateTimestampMs: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, MemberState>();
  /** group.instance.id → current member id of each static member. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet (KIP-394). */
  readonly pendingMembers = new Set<string>();
  /** Members that got the current generation's join response but have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** How the current PreparingRebalance ends: a fixed initial delay, or when all members rejoined. */
  joinPhase: 'none' | 'initial-delay' | 'awaiting-members' = 'none';
  /** A member joined during the initial delay, which therefore gets extended (bounded). */
  newMemberAdded = false;
  initialDelayRemainingMs = 0;
  /** topic → partition → committed offset. */
  readonly offsets = new Map<string, Map<number, OffsetEntry>>();
  offsetCount = 0;
  readonly timers: TimerSet;

  constructor(groupId: string, partition: number, scheduler: Scheduler, nowMs: number) {
    this.groupId = groupId;
    this.partition = partition;
    this.timers = new TimerSet(scheduler);
    this.stateTimestampMs = nowMs;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, nowMs: number): void {
    assert(VALID_PREVIOUS[state].includes(this.state), `group ${this.groupId}: illegal transition ${this.state} → ${state}`);
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  add(member: MemberState): void {
    assert(!this.members.has(member.memberId), `member ${member.memberId} already in group`);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member === undefined) return;
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  /** Moves a static member to a new member id, keeping its place (and leadership) in the group. */
  replaceStaticMember(oldMemberId: string, newMemberId: string): MemberState {
    const member = this.members.get(oldMemberId);
    assert(member !== undefined && member.groupInstanceId !== null, 'replacing an unknown static member');
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(member.groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    return member;
  }

  /** Undoes the Dead of a deletion whose tombstones could not be written: the group still exists. */
  reviveAfterFailedDelete(nowMs: number): void {
    assert(this.state === 'Dead' && this.members.size === 0, 'only an empty, deleted group can be revived');
    this.state = 'Empty';
    this.stateTimestampMs = nowMs;
  }

  /** Kafka's isStaticMemberFenced: the instance id belongs to a different member id. */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  allMembersJoined(): boolean {
    let awaiting = 0;
    for (const m of this.members.values()) if (m.joinWaiter !== null) awaiting++;
    return awaiting === this.members.size && this.pendingMembers.size === 0;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /**
   * Whether a joining member's protocols fit the group: an empty group takes any non-empty set;
   * otherwise the type must match and at least one protocol must be supported by every member.
   */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    return protocols.some((p) => [...this.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  offset(topic: string, partition: number): OffsetEntry | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, entry: OffsetEntry): void {
    let byPartition = this.offsets.get(topic);
    if (byPartition === undefined) {
      byPartition = new Map();
      this.offsets.set(topic, byPartition);
    }
    if (!byPartition.has(partition)) this.offsetCount++;
    byPartition.set(partition, entry);
  }

  deleteOffset(topic: string, partition: number): void {
    const byPartition = this.offsets.get(topic);
    if (byPartition === undefined || !byPartition.delete(partition)) return;
    this.offsetCount--;
    if (byPartition.size === 0) this.offsets.delete(topic);
  }
}

import { assert } from '../../util/assert.js';
import type { RaftConfig } from './config.js';
import type { ConfChange } from './conf-change.js';
import { Raft, type MemberProgress } from './raft.js';
import type { Ready } from './ready.js';
import { EntryType, type ConfState, type HardState, type Message, type Role, type SoftState } from './types.js';

export interface RaftStatus {
  id: number;
  term: number;
  vote: number;
  leaderId: number;
  role: Role;
  commit: number;
  applied: number;
  lastIndex: number;
  firstIndex: number;
  leadTransferee: number;
}

/**
 * The driver's handle on one group's Raft state machine (etcd's RawNode): feed it ticks, messages
 * and proposals; when hasReady(), take ready(), carry it out as documented on Ready, then advance().
 * Messages may be stepped while a Ready is being carried out, but ready() may not be called again
 * until that Ready was advanced.
 */
export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private readyInFlight = false;
  /**
   * False only when nothing can have changed since hasReady() last said no: lets an idle group's
   * hasReady() cost one field read. Every entry point that may change state sets it.
   */
  private dirty = true;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.raft.confChanged = false;
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  tick(): void {
    if (this.raft.tick()) this.dirty = true;
  }

  /**
   * The group is quiet (docs/raft-driver.md, "Quiescence"): tick() does nothing until an input
   * wakes it — a message, proposal, read, transfer, campaign, configuration change, or peerDown of
   * the leader (on a follower) or of any peer (on a leader). A driver may skip ticking it.
   */
  get quiesced(): boolean {
    return this.raft.quiesced;
  }

  /**
   * Feeds a message from a peer. A message addressed to another node is dropped (misrouted input).
   * Throws RaftProtocolError, leaving the state unchanged, for a message that contradicts committed
   * entries (a misbehaving peer): the driver drops it.
   */
  step(m: Message): void {
    if (m.to !== this.raft.id) return;
    this.dirty = true;
    this.raft.step(m);
  }

  /** Appends data on the leader; returns its log index. Throws NotLeaderError / ProposalDroppedError. */
  propose(data: Uint8Array, type: number = EntryType.NORMAL): number {
    this.dirty = true;
    return this.raft.propose(data, type);
  }

  proposeConfChange(change: ConfChange): number {
    this.dirty = true;
    return this.raft.proposeConfChange(change);
  }

  campaign(): void {
    this.dirty = true;
    this.raft.campaign();
  }

  transferLeadership(to: number): void {
    this.dirty = true;
    this.raft.transferLeadership(to);
  }

  /** Requests a linearizable read point; answered by a ReadState carrying `context`. */
  readIndex(context: Uint8Array): void {
    this.dirty = true;
    this.raft.readIndex(context);
  }

  reportUnreachable(id: number): void {
    this.dirty = true;
    this.raft.reportUnreachable(id);
  }

  /**
   * The connection to peer `id` dropped (the driver's failure detector). A follower led by `id`
   * forgets its leader and campaigns after a short delay instead of a full election timeout; a
   * leader stops pipelining to `id` (and wakes if quiesced). Harmless when the peer is in fact
   * alive. Returns whether a follower forgot its leader.
   */
  peerDown(id: number): boolean {
    this.dirty = true;
    return this.raft.peerDown(id);
  }

  reportSnapshot(id: number, ok: boolean): void {
    this.dirty = true;
    this.raft.reportSnapshot(id, ok);
  }

  confState(): ConfState {
    return this.raft.confState();
  }

  /** The current term, without building a whole status (read for every proposal). */
  get term(): number {
    return this.raft.term;
  }

  status(): RaftStatus {
    const r = this.raft;
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      leaderId: r.lead,
      role: r.role,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      leadTransferee: r.leadTransferee,
    };
  }

  /**
   * On a leader, each member's replication progress (for catch-up checks before promoting a
   * learner, lag metrics, and Kafka's in-sync replica set); empty elsewhere.
   */
  progress(): MemberProgress[] {
    return this.raft.memberProgress();
  }

  /** O(1): an idle group has nothing to do. False while a Ready is being carried out. */
  hasReady(): boolean {
    if (this.readyInFlight || !this.dirty) return false;
    this.dirty = this.computeHasReady();
    return this.dirty;
  }

  private computeHasReady(): boolean {
    const r = this.raft;
    if (r.appendPending) return true;
    const s = this.prevSoft;
    const h = this.prevHard;
    return (
      r.lead !== s.leaderId ||
      r.role !== s.role ||
      r.term !== h.term ||
      r.vote !== h.vote ||
      r.log.committed !== h.commit ||
      r.confChanged ||
      r.log.unstable.snapshot !== undefined ||
      r.log.unstable.entries.length > 0 ||
      r.msgs.length > 0 ||
      r.msgsEarly.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  ready(): Ready {
    assert(!this.readyInFlight, 'ready() called again before advance()');
    this.readyInFlight = true;
    const r = this.raft;
    const committedEntries = r.log.nextCommittedEntries(r.cfg.maxCommittedBytesPerReady);
    // Membership changes take effect as their committed entries are handed out, so the resulting
    // confState is in this same Ready and durable before the driver applies the entries.
    r.applyConfChanges(committedEntries);
    r.flushAppends();
    const soft = this.softState();
    const hard = this.hardState();
    const softChanged = soft.leaderId !== this.prevSoft.leaderId || soft.role !== this.prevSoft.role || soft.term !== this.prevSoft.term;
    const hardChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote || hard.commit !== this.prevHard.commit;
    // A new term or vote must be durable before anything goes out, even a leader's appends.
    const voteChanged = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    let early = r.msgsEarly;
    let messages = r.msgs;
    if (voteChanged && early.length > 0) {
      messages = early.concat(messages);
      early = [];
    }
    const rd: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      confState: r.confChanged ? r.confState() : undefined,
      snapshot: r.log.unstable.snapshot,
      mustSync: voteChanged || r.confChanged || r.log.unstable.entries.length > 0 || r.log.unstable.snapshot !== undefined,
      entries: r.log.unstable.entries.slice(),
      messagesBeforePersist: early,
      messages,
      committedEntries,
      readStates: r.readStates,
    };
    r.msgs = [];
    r.msgsEarly = [];
    r.readStates = [];
    r.confChanged = false;
    this.prevSoft = soft;
    return rd;
  }

  advance(rd: Ready): void {
    assert(this.readyInFlight, 'advance() without ready()');
    this.readyInFlight = false;
    this.dirty = true;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    const snapIndex = rd.snapshot?.metadata.index;
    this.raft.persisted(snapIndex, rd.entries.at(-1));
    this.raft.applied(snapIndex, rd.committedEntries);
  }

  private softState(): SoftState {
    return { leaderId: this.raft.lead, role: this.raft.role, term: this.raft.term };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }
}

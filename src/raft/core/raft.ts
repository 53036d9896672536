import type { Logger } from 'pino';
import { assert } from '../../util/assert.js';
import { resolveConfig, type RaftConfig, type ResolvedRaftConfig } from './config.js';
import { ConfChangeType, applyChange, decodeConfChange, encodeConfChange, type ConfChange, type ConfChangeEntry } from './conf-change.js';
import { NotLeaderError, ProposalDroppedError } from './errors.js';
import { peerDownCampaignTicks } from './peer-down.js';
import { ProgressState, type Progress } from './progress.js';
import type { RandomSource } from './random.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import { entrySize } from './storage.js';
import {
  EntryType,
  MessageType,
  NONE,
  Role,
  message,
  type ConfState,
  type Entry,
  type Message,
  type ReadState,
  type Snapshot,
} from './types.js';
import { ProgressTracker, VoteResult } from './tracker.js';
import { UncommittedTracker } from './uncommitted.js';

const EMPTY = new Uint8Array(0);
/** Most unapplied log bytes scanned for configuration changes before an election. */
const MAX_CONF_SCAN_BYTES = 64 * 1024 * 1024;

export interface MemberProgress {
  id: number;
  /** Highest index known durable on that member. */
  match: number;
  next: number;
  /** 0 probe, 1 replicate, 2 snapshot (see ProgressState). */
  state: ProgressState;
  isLearner: boolean;
  /** Heard from during the current election timeout. */
  recentActive: boolean;
}

/**
 * The Raft state machine of one group (Ongaro & Ousterhout 2014; Ongaro's thesis 2014). Pure and
 * synchronous: it consumes messages and ticks and produces messages, log entries and commit
 * advances that RawNode hands to the driver as a Ready. No I/O, timers or clocks.
 */
export class Raft {
  readonly id: number;
  readonly cfg: ResolvedRaftConfig;
  readonly log: RaftLog;
  term = 0;
  vote = NONE;
  lead = NONE;
  role: Role = Role.FOLLOWER;
  /** Messages that must wait until the Ready's hard state and entries are durable. */
  msgs: Message[] = [];
  /** A leader's replication messages, which may go out while it persists its own log (§10.2.1). */
  msgsEarly: Message[] = [];
  readStates: ReadState[] = [];
  /** Set when membership changed since the last Ready. */
  confChanged = false;
  leadTransferee = NONE;
  /** Index of the latest configuration-change entry; one pending change at a time (§4.1). */
  pendingConfIndex = 0;
  /**
   * Proposals were appended but not yet sent: replication is deferred to the next Ready so that all
   * proposals between two Readies travel in one append per follower (batching).
   */
  appendPending = false;
  /**
   * Quiesced (docs/raft-driver.md, "Quiescence"): an idle leader stopped heartbeating and its
   * followers stopped their election clocks; no clock runs and tick() does nothing. Any input
   * wakes the group (wake()); the driver's connection-loss reports stand in for heartbeats.
   */
  quiesced = false;

  private readonly trk: ProgressTracker;
  private electionElapsed = 0;
  /** The last pre-vote ignored because our leader's lease held (see answerIgnoredPreVote). */
  private ignoredPreVote: Message | undefined = undefined;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly random: RandomSource;
  private readonly uncommitted = new UncommittedTracker();
  private readonly readOnly: ReadOnly;
  private readonly logger: Logger | undefined;

  constructor(config: RaftConfig) {
    assert(config.id > 0, 'node id must be positive');
    assert(config.heartbeatTick > 0 && config.electionTick > config.heartbeatTick, 'electionTick must exceed heartbeatTick');
    this.id = config.id;
    this.cfg = resolveConfig(config);
    assert(Number.isInteger(this.cfg.peerDownStrideTicks) && this.cfg.peerDownStrideTicks >= 1, 'peerDownStrideTicks must be a positive integer');
    this.random = config.random;
    this.logger = config.logger?.child({ module: 'raft', raftId: config.id });
    this.readOnly = new ReadOnly(this.cfg.maxPendingReads);
    this.trk = new ProgressTracker(this.id, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    this.log = new RaftLog(config.storage);
    const { hardState, confState } = config.storage.initialState();
    this.setMembership(confState);
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (hardState.commit > 0) this.log.commitTo(hardState.commit);
    const applied = Math.min(config.applied ?? 0, this.log.lastIndex());
    // Only committed entries are ever applied, so a driver that applied past the persisted commit
    // index (its hard state write lagged) proves those entries committed.
    if (applied > this.log.committed) this.log.commitTo(applied);
    if (applied > this.log.applied) this.log.appliedTo(applied);
    this.becomeFollower(this.term, NONE);
  }

  // ---- public operations (called through RawNode) ----

  /** Returns whether the tick did anything beyond counting (so RawNode can skip hasReady work). */
  tick(): boolean {
    if (this.quiesced) return false;
    return this.role === Role.LEADER ? this.tickLeader() : this.tickElection();
  }

  propose(data: Uint8Array, type: number): number {
    assert(type !== EntryType.CONF_CHANGE, 'use proposeConfChange for configuration changes');
    this.checkCanPropose();
    const size = data.byteLength + 21;
    if (this.uncommitted.bytes > 0 && this.uncommitted.bytes + size > this.cfg.maxUncommittedBytes) {
      throw new ProposalDroppedError(`too many uncommitted bytes (${this.uncommitted.bytes})`);
    }
    this.wakeUp();
    const index = this.appendEntry(type, data);
    this.appendPending = true;
    return index;
  }

  proposeConfChange(cc: ConfChange): number {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.log.applied) {
      throw new ProposalDroppedError(`configuration change at ${this.pendingConfIndex} not yet applied`);
    }
    const pr = this.trk.prs.get(cc.nodeId);
    if (cc.type === ConfChangeType.REMOVE_NODE && pr !== undefined && !pr.isLearner && this.trk.voterIds.length === 1) {
      throw new ProposalDroppedError('cannot remove the last voter');
    }
    if (cc.type === ConfChangeType.ADD_LEARNER && pr !== undefined && !pr.isLearner) {
      throw new ProposalDroppedError(`node ${cc.nodeId} is a voter; demotion is not supported`);
    }
    this.wakeUp();
    // Everything before pendingConfIndex is applied, so our configuration is the latest one.
    const index = this.appendEntry(EntryType.CONF_CHANGE, encodeConfChange({ ...cc, result: applyChange(this.confState(), cc) }));
    this.pendingConfIndex = index;
    this.appendPending = true;
    return index;
  }

  /** Starts an election now, skipping pre-vote (a just-created group's designated leader). */
  campaign(): void {
    this.wakeUp();
    this.hup(false, false);
  }

  transferLeadership(to: number): void {
    if (this.role !== Role.LEADER) throw new NotLeaderError('not the leader', this.leaderOrUndefined());
    if (to === this.id) return;
    const pr = this.trk.prs.get(to);
    if (pr === undefined || pr.isLearner) throw new ProposalDroppedError(`node ${to} is not a voter`);
    if (this.leadTransferee === to) return;
    this.wakeUp();
    // §3.10: the transfer must finish within an election timeout or it is abandoned.
    this.leadTransferee = to;
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
  }

  readIndex(context: Uint8Array): void {
    this.wakeUp();
    if (this.role === Role.LEADER) {
      this.leaderRead(this.id, context);
      return;
    }
    if (this.lead === NONE) throw new NotLeaderError('no leader known', undefined);
    this.send(message({ type: MessageType.READ_INDEX, from: this.id, to: this.lead, term: this.term, readContext: context }));
  }

  reportUnreachable(id: number): void {
    const pr = this.trk.prs.get(id);
    if (this.role === Role.LEADER && pr !== undefined && pr.state === ProgressState.REPLICATE) pr.becomeProbe();
  }

  /**
   * The driver's failure detector saw the connection to `peer` drop (a killed process closes its
   * sockets at once). A follower whose leader that is forgets it, like etcd's ForgetLeader: with
   * no leader known it no longer holds the lease that makes voters ignore pre-votes (§4.2.3), so
   * the group can elect a successor at once instead of after a full election timeout. It then
   * campaigns itself after a short delay (see peer-down.ts), with pre-vote when enabled.
   *
   * Safe when the report is wrong (the leader is alive, only one connection broke): forgetting
   * changes no term or vote, a pre-vote changes nothing anywhere, and voters that still hear from
   * the leader reject it; the next heartbeat makes this node a plain follower again. Returns
   * whether anything changed.
   */
  peerDown(peer: number): boolean {
    if (this.role === Role.LEADER) {
      // Stop streaming appends to a follower that cannot receive them; probe once it is back. A
      // quiesced leader wakes: without heartbeats it would never learn it lost its quorum, and
      // check-quorum decides one election timeout from now.
      this.reportUnreachable(peer);
      if (this.trk.prs.has(peer)) this.wakeUp();
      return false;
    }
    if (this.role !== Role.FOLLOWER || peer === NONE || this.lead !== peer) return false;
    this.wake(false);
    this.lead = NONE;
    this.answerIgnoredPreVote(peer);
    const delay = peerDownCampaignTicks(this.trk.voterIds, this.id, peer, this.term, this.cfg.peerDownStrideTicks);
    // Campaign when the election clock reaches its timeout: move the clock instead of the timeout,
    // so a leader heard from again (which zeroes the clock) restores the normal timeout by itself.
    if (delay !== undefined) this.electionElapsed = Math.max(this.electionElapsed, this.randomizedElectionTimeout - delay);
    this.logger?.debug({ term: this.term, peer, delayTicks: delay }, 'leader connection lost; forgot the leader');
    return true;
  }

  /**
   * A survivor that saw the disconnect before us may have sent its pre-vote while our lease still
   * held, and we ignored it. Answering it now, as we would have a moment later, lets it win at
   * once instead of waiting for the next survivor's turn. Only a pre-vote for the very next term:
   * it changes nothing here, and the candidate's real vote is still judged on its own.
   */
  private answerIgnoredPreVote(deadLeader: number): void {
    const m = this.ignoredPreVote;
    this.ignoredPreVote = undefined;
    if (m !== undefined && m.term === this.term + 1 && m.from !== deadLeader) this.handleVoteRequest(m);
  }

  reportSnapshot(id: number, ok: boolean): void {
    const pr = this.trk.prs.get(id);
    if (this.role !== Role.LEADER || pr === undefined || pr.state !== ProgressState.SNAPSHOT) return;
    if (!ok) pr.pendingSnapshot = 0;
    // Wait for the follower's response (or the next heartbeat) before sending more.
    pr.becomeProbe();
    pr.probeSent = true;
  }

  confState(): ConfState {
    return this.trk.confState();
  }

  progress(id: number): Progress | undefined {
    return this.trk.prs.get(id);
  }

  memberProgress(): MemberProgress[] {
    if (this.role !== Role.LEADER) return [];
    const out: MemberProgress[] = [];
    for (const [id, pr] of this.trk.prs) {
      out.push({ id, match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner, recentActive: id === this.id || pr.recentActive });
    }
    return out;
  }

  /** The driver persisted a Ready's snapshot and entries. */
  persisted(snapshotIndex: number | undefined, last: Entry | undefined): void {
    if (snapshotIndex !== undefined) this.log.unstable.stableSnapTo(snapshotIndex);
    if (last !== undefined) this.log.unstable.stableTo(last.index, last.term);
    if (this.role !== Role.LEADER) return;
    // The leader counts itself only once its own entries are durable.
    const self = this.trk.prs.get(this.id);
    if (self !== undefined && self.maybeUpdate(this.log.stableIndex()) && this.maybeCommit()) this.bcastCommit();
  }

  /** The driver applied a Ready's snapshot and committed entries. */
  applied(snapshotIndex: number | undefined, entries: readonly Entry[]): void {
    if (snapshotIndex !== undefined && snapshotIndex > this.log.applied) this.log.applied = snapshotIndex;
    const last = entries.at(-1);
    if (last !== undefined && last.index > this.log.applied) this.log.appliedTo(last.index);
  }

  /** Adopts the membership of the configuration-change entries among `entries` (being handed out). */
  applyConfChanges(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.type === EntryType.CONF_CHANGE) this.applyConfChangeEntry(e);
    }
  }

  /**
   * Sends the appends deferred by propose (called when the driver takes a Ready). Only appends with
   * entries: a follower may already have been sent the new entries since they were proposed (an
   * acknowledgement stepped in between refills its pipeline), and an empty append would only repeat
   * the commit index, which bcastCommit() already sent if it moved (or, without commit notices, is
   * meant to wait for the next append or heartbeat).
   */
  flushAppends(): void {
    if (!this.appendPending) return;
    this.appendPending = false;
    if (this.role === Role.LEADER) this.bcastAppend(false);
  }

  // ---- message handling ----

  step(m: Message): void {
    // Any message wakes a quiesced group but late echoes of the time before it went quiet; a
    // follower woken by someone other than its leader tells the leader, so that it heartbeats
    // again (a pre-vote from a node that lost the leader must meet followers that hear from the
    // leader, or it could win against a live, quiet one).
    if (this.quiesced) {
      if (this.stepQuiet(m)) return;
      this.wake(m.from !== this.lead);
    }
    if (m.term > this.term) {
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.handleStaleTerm(m);
      return;
    }
    switch (m.type) {
      case MessageType.VOTE:
      case MessageType.PRE_VOTE:
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    if (this.role === Role.LEADER) this.stepLeader(m);
    else if (this.role === Role.FOLLOWER) this.stepFollower(m);
    else this.stepCandidate(m);
  }

  /** Handles m.term > our term; returns whether to continue processing m. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.type === MessageType.VOTE || m.type === MessageType.PRE_VOTE) {
      // §4.2.3: while we hear from a leader, ignore candidates (unless a transfer forces it), so a
      // rejoining or removed server cannot disrupt a healthy group.
      const force = m.context === 1;
      const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTick;
      if (!force && inLease) {
        // Kept (the latest only) so that peerDown can answer it if the leader turns out dead.
        if (m.type === MessageType.PRE_VOTE) this.ignoredPreVote = m;
        return false;
      }
    }
    if (m.type === MessageType.PRE_VOTE) return true; // a pre-vote never changes our term
    if (m.type === MessageType.PRE_VOTE_RESP && !m.reject) return true; // carries the term we would campaign in
    const isLeaderMsg = m.type === MessageType.APPEND || m.type === MessageType.HEARTBEAT || m.type === MessageType.SNAPSHOT;
    this.becomeFollower(m.term, isLeaderMsg ? m.from : NONE);
    return true;
  }

  private handleStaleTerm(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === MessageType.HEARTBEAT || m.type === MessageType.APPEND)) {
      // A stale leader (e.g. one that was partitioned) learns our term and steps down. Without this,
      // with pre-vote it could never be told, since nodes that saw it win keep rejecting pre-votes.
      this.send(message({ type: MessageType.APPEND_RESP, from: this.id, to: m.from, term: this.term }));
    } else if (m.type === MessageType.PRE_VOTE) {
      this.send(message({ type: MessageType.PRE_VOTE_RESP, from: this.id, to: m.from, term: this.term, reject: true }));
    }
  }

  private handleVoteRequest(m: Message): void {
    const respType = m.type === MessageType.VOTE ? MessageType.VOTE_RESP : MessageType.PRE_VOTE_RESP;
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PRE_VOTE && m.term > this.term);
    // §5.4.1: only vote for candidates whose log is at least as up-to-date as ours.
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send(message({ type: respType, from: this.id, to: m.from, term: m.term }));
      if (m.type === MessageType.VOTE) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(message({ type: respType, from: this.id, to: m.from, term: this.term, reject: true }));
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.APPEND:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case MessageType.HEARTBEAT:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.SNAPSHOT:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TIMEOUT_NOW:
        // §3.10: the leader asks us to take over; campaign at once, bypassing pre-vote and leases.
        this.hup(false, true);
        return;
      case MessageType.READ_INDEX_RESP:
        this.readStates.push({ index: m.index, context: m.readContext ?? EMPTY });
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case MessageType.APPEND:
      case MessageType.HEARTBEAT:
      case MessageType.SNAPSHOT:
        // A leader exists in our term (§5.2): return to follower and handle it.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case MessageType.VOTE_RESP:
      case MessageType.PRE_VOTE_RESP:
        this.handleVoteResponse(m);
        return;
      default:
        return;
    }
  }

  private handleVoteResponse(m: Message): void {
    const expected = this.role === Role.PRE_CANDIDATE ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
    if (m.type !== expected) return;
    const result = this.trk.recordVote(m.from, !m.reject);
    if (result === VoteResult.WON) {
      if (this.role === Role.PRE_CANDIDATE) this.startElection(false, false);
      else this.becomeLeader();
    } else if (result === VoteResult.LOST) {
      this.becomeFollower(this.term, NONE);
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.trk.prs.get(m.from);
    switch (m.type) {
      case MessageType.APPEND_RESP:
        if (pr !== undefined) this.handleAppendResponse(m, pr);
        return;
      case MessageType.HEARTBEAT_RESP:
        if (pr !== undefined) this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.READ_INDEX:
        if (pr !== undefined) this.leaderRead(m.from, m.readContext ?? EMPTY);
        return;
      default:
        return;
    }
  }

  // ---- follower side ----

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(message({ type: MessageType.APPEND_RESP, from: this.id, to: m.from, term: this.term, index: this.log.committed }));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(message({ type: MessageType.APPEND_RESP, from: this.id, to: m.from, term: this.term, index: lastNew }));
      return;
    }
    // §5.3 optimisation: tell the leader the last index of ours that could match, and its term,
    // so it can skip back over a whole conflicting term in one round trip.
    const hintIndex = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(
      message({
        type: MessageType.APPEND_RESP,
        from: this.id,
        to: m.from,
        term: this.term,
        index: m.index,
        reject: true,
        rejectHint: hintIndex,
        logTerm: this.log.term(hintIndex) ?? 0,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends min(commit, our match), so this never commits entries we might not share.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    // In step with the leader (its whole log, committed): go quiet with it. Not answering is what
    // keeps the leader quiet; a follower out of step declines with a wake-up call (`reject`).
    const inStep = this.log.committed === m.commit && this.log.lastIndex() === m.commit;
    if (m.quiesce && inStep) {
      this.quiesced = true;
      return;
    }
    this.send(message({ type: MessageType.HEARTBEAT_RESP, from: this.id, to: m.from, term: this.term, context: m.context, reject: m.quiesce }));
  }

  private handleSnapshot(m: Message): void {
    const snap = m.snapshot;
    if (snap === undefined) return;
    const index = this.restore(snap) ? this.log.lastIndex() : this.log.committed;
    this.send(message({ type: MessageType.APPEND_RESP, from: this.id, to: m.from, term: this.term, index }));
  }

  private restore(snap: Snapshot): boolean {
    const { index, term } = snap.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We already have the snapshot's last entry: just fast-forward the commit.
      this.log.commitTo(index);
      return false;
    }
    this.logger?.debug({ index, term }, 'restoring snapshot');
    this.log.restore(snap);
    this.setMembership(snap.metadata.confState);
    return true;
  }

  // ---- leader side ----

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    // Nobody can acknowledge entries we never had; such input is corrupt, not a reason to crash.
    if (m.index > this.log.lastIndex()) return;
    if (m.reject) {
      const next = m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm) : m.rejectHint;
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === ProgressState.REPLICATE) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    const probeConfirmed = pr.state === ProgressState.PROBE && pr.match === m.index;
    if (!pr.maybeUpdate(m.index) && !probeConfirmed) return;
    if (pr.state === ProgressState.PROBE) pr.becomeReplicate();
    else if (pr.state === ProgressState.SNAPSHOT && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.REPLICATE) pr.inflights.freeLE(m.index);

    if (this.maybeCommit()) this.bcastCommit();
    else if (wasPaused) this.sendAppend(m.from);
    // Fill the pipeline; bounded by the inflights window and by the end of the log.
    while (this.sendAppend(m.from, false)) {
      /* keep sending */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    // A full window with a live follower means appends were lost: free a slot so the next append
    // exposes the gap (the follower rejects it and we fall back to probing).
    if (pr.state === ProgressState.REPLICATE && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.context > 0 && m.context > pr.readRound) {
      pr.readRound = m.context;
      this.releaseReads();
    }
  }

  private sendAppend(to: number, sendIfEmpty = true): boolean {
    const pr = this.trk.prs.get(to);
    if (pr === undefined || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const ents = prevTerm === undefined ? undefined : this.log.entriesFrom(pr.next, this.cfg.maxSizePerMsg);
    if (prevTerm === undefined || ents === undefined) return this.sendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send(
      message({ type: MessageType.APPEND, from: this.id, to, term: this.term, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed }),
    );
    const last = ents.at(-1);
    if (last !== undefined && pr.state === ProgressState.REPLICATE) {
      // Pipelining: assume success and move next ahead; a rejection rewinds it.
      pr.next = last.index + 1;
      pr.inflights.add(last.index, ents.reduce((n, e) => n + entrySize(e), 0));
    } else if (pr.state === ProgressState.PROBE) {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(to: number, pr: Progress): boolean {
    // Only send a (possibly large) snapshot to a follower known to be alive.
    if (!pr.recentActive) return false;
    const snap = this.log.snapshot();
    assert(snap.metadata.index > 0, 'follower needs a snapshot but there is none');
    pr.becomeSnapshot(snap.metadata.index);
    this.logger?.debug({ to, index: snap.metadata.index }, 'sending snapshot');
    this.send(message({ type: MessageType.SNAPSHOT, from: this.id, to, term: this.term, snapshot: snap }));
    return true;
  }

  private sendTimeoutNow(to: number): void {
    this.send(message({ type: MessageType.TIMEOUT_NOW, from: this.id, to, term: this.term }));
  }

  private bcastAppend(sendIfEmpty = true): void {
    for (const id of this.trk.prs.keys()) {
      if (id !== this.id) this.sendAppend(id, sendIfEmpty);
    }
  }

  /**
   * The commit index moved: every follower hears of it now, or (without commit notices) those with
   * entries to send do, and the rest with their next append or heartbeat (config.ts).
   */
  private bcastCommit(): void {
    this.bcastAppend(this.cfg.commitNotices);
  }

  private bcastHeartbeat(context: number, quiesce = false): void {
    for (const [id, pr] of this.trk.prs) {
      if (id === this.id) continue;
      // Never tell a follower a commit index beyond what it is known to share with us.
      const commit = Math.min(pr.match, this.log.committed);
      this.send(message({ type: MessageType.HEARTBEAT, from: this.id, to: id, term: this.term, commit, context, quiesce }));
    }
  }

  /**
   * Advances commit to the highest index a majority of voters has durably stored — but only if that
   * entry is from the current term (§5.4.2, Figure 8): earlier-term entries commit indirectly.
   */
  private maybeCommit(): boolean {
    const mci = this.trk.committedIndex();
    if (mci <= this.log.committed || this.log.term(mci) !== this.term) return false;
    const hadCommitInTerm = this.committedInTerm();
    this.log.commitTo(mci);
    this.uncommitted.commitTo(mci);
    if (!hadCommitInTerm) this.releaseDeferredReads();
    return true;
  }

  private committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private appendEntry(type: number, data: Uint8Array): number {
    const index = this.log.lastIndex() + 1;
    const e: Entry = { index, term: this.term, type, data };
    this.log.append([e]);
    this.uncommitted.add(index, entrySize(e));
    return index;
  }

  private checkCanPropose(): void {
    if (this.role !== Role.LEADER) throw new NotLeaderError('not the leader', this.leaderOrUndefined());
    // §3.10: stop accepting proposals while handing leadership over, or the transfer may never finish.
    if (this.leadTransferee !== NONE) throw new NotLeaderError('leadership transfer in progress', this.leadTransferee);
  }

  // ---- ReadIndex (§6.4) ----

  /** `admit`: a new request (refused when too many are pending) rather than a deferred one. */
  private leaderRead(from: number, context: Uint8Array, admit = true): void {
    if (admit && this.readOnly.full()) {
      if (from === this.id) throw new ProposalDroppedError('too many pending reads');
      return;
    }
    if (!this.committedInTerm()) {
      // Until the no-op of this term commits, our commit index may be behind the group's (§6.4 step 1).
      this.readOnly.deferred.push({ from, context });
      return;
    }
    if (this.trk.voterIds.length === 1 && this.trk.voterIds[0] === this.id) {
      this.answerRead(from, this.log.committed, context);
      return;
    }
    const round = ++this.readOnly.round;
    this.readOnly.queue.push({ from, context, index: this.log.committed, round });
    this.bcastHeartbeat(round);
  }

  /**
   * The newest read round while reads wait, else 0. Periodic heartbeats carry it so that a read
   * whose own round was lost is still confirmed (they are sent after it arrived, which is all a
   * confirmation needs); otherwise it waited for the next read, and blocked quiescence meanwhile.
   */
  private pendingReadRound(): number {
    return this.readOnly.queue.length > 0 ? this.readOnly.round : 0;
  }

  private releaseDeferredReads(): void {
    const deferred = this.readOnly.deferred;
    this.readOnly.deferred = [];
    for (const r of deferred) this.leaderRead(r.from, r.context, false);
  }

  private releaseReads(): void {
    const queue = this.readOnly.queue;
    let n = 0;
    while (n < queue.length && this.trk.roundConfirmed(queue[n]?.round ?? 0)) n++;
    if (n === 0) return;
    for (const r of queue.splice(0, n)) this.answerRead(r.from, r.index, r.context);
  }

  private answerRead(from: number, index: number, context: Uint8Array): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send(message({ type: MessageType.READ_INDEX_RESP, from: this.id, to: from, term: this.term, index, readContext: context }));
  }

  // ---- elections ----

  private tickElection(): boolean {
    // The common case (an idle follower) is one increment and one comparison.
    if (++this.electionElapsed < this.randomizedElectionTimeout) return false;
    if (!this.promotable()) return this.callQuietLeader();
    this.electionElapsed = 0;
    this.hup(this.cfg.preVote, false);
    return true;
  }

  /**
   * A learner that has not heard from its leader for an election timeout cannot campaign; with
   * quiescence its leader may have gone quiet while it was awake (woken by a message after the
   * quiesce heartbeat): it sends a wake-up call, so the leader quiesces it too. Once per timeout.
   */
  private callQuietLeader(): boolean {
    if (!this.cfg.quiesce || this.lead === NONE || this.role !== Role.FOLLOWER) return false;
    this.electionElapsed = 0;
    this.sendWakeUpCall();
    return true;
  }

  /** A HEARTBEAT_RESP with `reject`: wakes a quiet leader (which takes a plain one for a late echo). */
  private sendWakeUpCall(): void {
    this.send(message({ type: MessageType.HEARTBEAT_RESP, from: this.id, to: this.lead, term: this.term, reject: true }));
  }

  private tickLeader(): boolean {
    this.heartbeatElapsed++;
    let acted = false;
    if (++this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      acted = true;
      if (this.cfg.checkQuorum && !this.trk.quorumActive()) {
        // §6.2: a leader that cannot reach a majority steps down so clients look elsewhere.
        this.logger?.debug({ term: this.term }, 'check-quorum failed; stepping down');
        this.becomeFollower(this.term, NONE);
        return true;
      }
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE;
      this.ageSnapshots();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      if (this.cfg.quiesce && this.canQuiesce()) this.quiesce();
      else this.bcastHeartbeat(this.pendingReadRound());
      acted = true;
    }
    return acted;
  }

  // ---- quiescence (docs/raft-driver.md) ----

  /**
   * Nothing to do: the whole log durable, committed and applied here, on every member, which all
   * answered lately; no append, read, transfer or configuration change pending. Checked only
   * when a heartbeat is due, so an active group pays nothing per tick.
   */
  private canQuiesce(): boolean {
    const last = this.log.lastIndex();
    if (this.appendPending || this.log.committed !== last || this.log.applied !== last) return false;
    if (this.log.unstable.entries.length > 0 || this.log.unstable.snapshot !== undefined) return false;
    if (this.leadTransferee !== NONE || this.readOnly.queue.length > 0 || this.readOnly.deferred.length > 0) return false;
    return this.trk.allCaughtUp(last);
  }

  /** The last heartbeat, flagged: followers in step with it stop their clocks and do not answer. */
  private quiesce(): void {
    this.quiesced = true;
    this.bcastHeartbeat(0, true);
    this.logger?.trace({ term: this.term, index: this.log.lastIndex() }, 'quiesced');
  }

  /**
   * While quiet, a message that tells nothing new neither wakes the group nor changes it: on a
   * leader, a late answer to a heartbeat or append it already counted; on a follower, a plain
   * heartbeat of its leader with the commit index it has (answered, so an awake leader counts
   * it, but its clock stays stopped). Without this, reordered or duplicated echoes of the last
   * round woke the group again and again. Returns whether `m` was handled.
   */
  private stepQuiet(m: Message): boolean {
    if (m.term !== this.term || m.reject) return false;
    if (this.role === Role.LEADER) {
      const pr = this.trk.prs.get(m.from);
      return pr !== undefined && (m.type === MessageType.HEARTBEAT_RESP || (m.type === MessageType.APPEND_RESP && m.index <= pr.match));
    }
    if (m.type !== MessageType.HEARTBEAT || m.quiesce || m.from !== this.lead || m.context !== 0 || m.commit !== this.log.committed) return false;
    this.send(message({ type: MessageType.HEARTBEAT_RESP, from: this.id, to: m.from, term: this.term }));
    return true;
  }

  /** Wakes a quiesced group for a local request (proposal, read, transfer, campaign, peer down). */
  private wakeUp(): void {
    if (this.quiesced) this.wake(false);
  }

  /**
   * Clocks restart from zero. A leader counts nobody as heard from until they answer (its
   * information is as old as the quiet period), so check-quorum judges one full election
   * timeout from now. A follower woken by anything but its leader tells the leader.
   */
  private wake(notifyLeader: boolean): void {
    this.quiesced = false;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    if (this.role === Role.LEADER) {
      this.trk.forgetActivity();
    } else if (notifyLeader && this.lead !== NONE) {
      this.sendWakeUpCall();
    }
    this.logger?.trace({ term: this.term, role: this.role }, 'woke');
  }

  /** A snapshot neither acknowledged nor reported within two election timeouts is retried. */
  private ageSnapshots(): void {
    for (const pr of this.trk.prs.values()) {
      if (pr.state !== ProgressState.SNAPSHOT) continue;
      if (++pr.snapshotAge >= 2) pr.becomeProbe();
    }
  }

  private promotable(): boolean {
    return this.trk.isVoter(this.id);
  }

  private hup(preVote: boolean, transfer: boolean): void {
    if (this.role === Role.LEADER || !this.promotable()) return;
    if (this.hasUnappliedConfChange()) {
      this.logger?.debug({ term: this.term }, 'not campaigning: committed configuration change not yet applied');
      return;
    }
    this.startElection(preVote, transfer);
  }

  /**
   * Configuration takes effect when applied. A node that has not applied committed changes could
   * campaign under a configuration two changes old, whose majorities need not overlap the current
   * one's (two leaders in a term); so it waits until it has caught up. Bounded: when too much is
   * unapplied to scan, it also waits.
   */
  private hasUnappliedConfChange(): boolean {
    const hi = this.log.committed + 1;
    let lo = this.log.applied + 1;
    if (lo >= hi) return false;
    if (this.log.unstable.snapshot !== undefined || lo < this.log.firstIndex()) return true;
    let scannedBytes = 0;
    while (lo < hi) {
      if (scannedBytes >= MAX_CONF_SCAN_BYTES) return true;
      const ents = this.log.slice(lo, hi, MAX_CONF_SCAN_BYTES);
      for (const e of ents) {
        if (e.type === EntryType.CONF_CHANGE) return true;
        scannedBytes += entrySize(e);
      }
      lo += ents.length;
    }
    return false;
  }

  private startElection(preVote: boolean, transfer: boolean): void {
    let type: MessageType;
    let term: number;
    if (preVote) {
      this.becomePreCandidate();
      type = MessageType.PRE_VOTE;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = MessageType.VOTE;
      term = this.term;
    }
    if (this.trk.recordVote(this.id, true) === VoteResult.WON) {
      if (preVote) this.startElection(false, transfer);
      else this.becomeLeader();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const id of this.trk.voterIds) {
      if (id === this.id) continue;
      this.send(message({ type, from: this.id, to: id, term, index, logTerm, context: transfer ? 1 : 0 }));
    }
  }

  // ---- role transitions ----

  becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.lead = lead;
    this.role = Role.FOLLOWER;
  }

  private becomePreCandidate(): void {
    assert(this.role !== Role.LEADER, 'leader cannot become pre-candidate');
    // Pre-vote changes neither term nor vote (thesis §9.6): a failed pre-vote leaves no trace.
    this.trk.resetVotes();
    this.lead = NONE;
    this.role = Role.PRE_CANDIDATE;
  }

  private becomeCandidate(): void {
    assert(this.role !== Role.LEADER, 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.CANDIDATE;
    this.logger?.debug({ term: this.term }, 'campaigning');
  }

  private becomeLeader(): void {
    assert(this.role === Role.CANDIDATE, 'only a candidate becomes leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = Role.LEADER;
    for (const pr of this.trk.prs.values()) pr.recentActive = true;
    const self = this.trk.prs.get(this.id);
    if (self !== undefined) {
      self.match = this.log.stableIndex();
      self.becomeReplicate();
    }
    // No configuration change until everything before this term is applied (§4.1 + the
    // single-server change bug fix: commit an entry of the new term first).
    this.pendingConfIndex = this.log.lastIndex();
    // §5.4.2/§8: commit a no-op of our term, which commits earlier entries and enables ReadIndex.
    this.appendEntry(EntryType.NORMAL, EMPTY);
    this.logger?.debug({ term: this.term }, 'became leader');
    this.bcastAppend();
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.ignoredPreVote = undefined;
    this.quiesced = false;
    this.randomizedElectionTimeout = this.cfg.electionTick + this.random.nextInt(this.cfg.electionTick);
    this.leadTransferee = NONE;
    this.trk.resetVotes();
    this.pendingConfIndex = 0;
    this.uncommitted.reset();
    this.readOnly.reset();
    const next = this.log.lastIndex() + 1;
    for (const [id, pr] of this.trk.prs) this.resetProgress(id, pr, next);
  }

  private resetProgress(id: number, pr: Progress, next: number): void {
    pr.becomeProbe();
    pr.match = id === this.id ? this.log.stableIndex() : 0;
    pr.next = next;
    pr.recentActive = false;
    pr.readRound = 0;
  }

  // ---- membership ----

  private applyConfChangeEntry(e: Entry): void {
    let cc: ConfChangeEntry;
    try {
      cc = decodeConfChange(e.data);
    } catch (err) {
      this.logger?.warn({ err, index: e.index }, 'ignoring undecodable configuration change');
      return;
    }
    this.applyConfChange(cc);
  }

  /** Adopts the configuration an applied change resulted in (idempotent, so replays are harmless). */
  private applyConfChange(cc: ConfChangeEntry): void {
    this.setMembership(cc.result);
    this.logger?.debug({ type: cc.type, nodeId: cc.nodeId, voters: this.trk.voterIds, learners: this.trk.learnerIds }, 'applied configuration change');
    if (this.role !== Role.LEADER) return;
    if (!this.promotable()) {
      // A leader removed from the group hands over by simply stepping down.
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee !== NONE && !this.trk.prs.has(this.leadTransferee)) this.leadTransferee = NONE;
    if (this.maybeCommit()) this.bcastCommit();
    this.releaseReads();
  }

  private setMembership(cs: ConfState): void {
    this.trk.adopt(cs, this.log.lastIndex() + 1, this.log.stableIndex());
    this.confChanged = true;
  }

  // ---- plumbing ----

  private send(m: Message): void {
    const early =
      this.role === Role.LEADER &&
      (m.type === MessageType.APPEND || m.type === MessageType.HEARTBEAT || m.type === MessageType.SNAPSHOT || m.type === MessageType.TIMEOUT_NOW);
    (early ? this.msgsEarly : this.msgs).push(m);
  }

  private leaderOrUndefined(): number | undefined {
    return this.lead === NONE ? undefined : this.lead;
  }
}

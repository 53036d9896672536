import type { Logger } from 'pino';
import { NotLeaderError as CoreNotLeaderError, Role, type ConfChangeType, type Ready } from '../core/index.js';
import type { FrameParts, NodeTransport } from '../transport/index.js';
import { assert } from '../../util/assert.js';
import { NotLeaderError } from '../../util/errors.js';
import { deferred } from './deferred.js';
import { GroupNotFoundError, ProposalLostError, RaftClosedError, RaftTimeoutError } from './errors.js';
import { EarlyMessages } from './early-messages.js';
import { dispatchFrame, OTHER_CHANNEL_MIN_TAG, stepInto } from './inbound.js';
import type { RaftGroup } from './group.js';
import { toNodeId, toRaftId } from './ids.js';
import { onSoftState } from './leadership.js';
import { openGroup, type OpenGroupContext } from './open-group.js';
import { onPeerDown } from './peer-down.js';
import { ReadyLoop } from './ready-loop.js';
import { membersOf } from './apply.js';
import { removeSideFiles } from './side-file.js';
import { newStats, type RaftHostStats } from './stats.js';
import { DEFAULT_MAX_INFLIGHT_BYTES, type AddGroupOptions, type GroupStatus, type LeaderChangeListener, type ProposeResult, type RaftHostOptions } from './types.js';

/**
 * One per node: hosts every Raft group of the node over one WAL store and one node transport, with
 * one tick timer and one event-driven Ready loop (see docs/raft-driver.md).
 */

export class RaftHost {
  private readonly groups = new Map<string, RaftGroup>();
  /**
   * The groups the tick visits: every group whose core is not quiesced (and a quiesced one until
   * the next tick drops it). Anything that gives a group input goes through wake(), so a quiet
   * group costs the node-wide tick nothing (docs/raft-driver.md, "Quiescence").
   */
  private readonly awake = new Set<RaftGroup>();
  private readonly opening = new Set<string>();
  private readonly listeners = new Set<LeaderChangeListener>();
  private readonly log: Logger;
  private readonly loop: ReadyLoop;
  private readonly early: EarlyMessages;
  private readonly openCtx: OpenGroupContext;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly lostProposalTicks: number;
  private ticks = 0;
  private closed = false;
  readonly stats: RaftHostStats = newStats();
  readonly nodeId: number;

  constructor(private readonly opts: RaftHostOptions) {
    const transport: NodeTransport = opts.transport;
    this.nodeId = transport.nodeId;
    this.log = opts.logger.child({ module: 'raft-host', nodeId: this.nodeId });
    const electionTicks = opts.electionTicks ?? 10;
    this.lostProposalTicks = opts.lostProposalTicks ?? 3 * electionTicks;
    this.openCtx = this.buildOpenContext(electionTicks);
    this.early = new EarlyMessages(electionTicks);
    this.loop = new ReadyLoop({
      transport,
      stats: this.stats,
      logger: this.log,
      snapshots: {
        blobs: opts.wal.blobs,
        everyEntries: opts.snapshotEveryEntries ?? 10_000,
        trailingEntries: opts.snapshotTrailingEntries ?? 1024,
      },
      nowMs: () => performance.now(),
      tracer: opts.tracer,
      onSoftState: (g, rd) => this.softState(g, rd),
      onGroupFailed: (g, err) => this.groupFailed(g, err),
    });
    // Raft frames (first byte below 0x80) are claimed: decoded in place from the socket reads they
    // arrived in, and not joined for the node's RPC listener, which reads only its own tags.
    this.unsubscribe.push(transport.onFrameParts((from, parts) => this.receive(from, parts), OTHER_CHANNEL_MIN_TAG));
    this.unsubscribe.push(transport.onPeerConnectionLost((peer) => onPeerDown({ groups: this.groups, logger: this.log, markDirty: (g) => this.wake(g) }, peer)));
    const tickMs = opts.tickMs ?? 100;
    this.timer = tickMs > 0 ? setInterval(() => this.tick(), tickMs) : undefined;
  }

  private buildOpenContext(electionTicks: number): OpenGroupContext {
    const o = this.opts;
    const core: OpenGroupContext['core'] = {};
    if (o.maxSizePerMsg !== undefined) core.maxSizePerMsg = o.maxSizePerMsg;
    if (o.maxInflightMsgs !== undefined) core.maxInflightMsgs = o.maxInflightMsgs;
    core.maxInflightBytes = o.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES;
    core.quiesce = o.quiesce ?? true;
    if (o.maxUncommittedBytes !== undefined) core.maxUncommittedBytes = o.maxUncommittedBytes;
    return {
      wal: o.wal,
      dataDir: o.dataDir,
      logger: this.log,
      nodeId: this.nodeId,
      seed: o.seed ?? this.nodeId * 7919 + 1,
      electionTicks,
      heartbeatTicks: o.heartbeatTicks ?? 2,
      entryCacheBytes: o.entryCacheBytes ?? 1024 * 1024,
      entryCacheEntries: o.entryCacheEntries ?? 4096,
      maxPendingReads: o.maxPendingReads ?? 4096,
      core,
    };
  }

  // ---- groups ----

  async addGroup(groupId: string, opts: AddGroupOptions): Promise<void> {
    this.checkOpen();
    assert(!this.groups.has(groupId) && !this.opening.has(groupId), `group ${groupId} already hosted`);
    this.opening.add(groupId);
    try {
      const g = await openGroup(groupId, opts, this.openCtx);
      if (this.closed) {
        await g.log.close();
        throw new RaftClosedError('host closed while the group was opening');
      }
      this.groups.set(groupId, g);
      for (const message of this.early.take(groupId)) stepInto(g, message, { stats: this.stats, logger: this.log });
      this.wake(g);
    } finally {
      this.opening.delete(groupId);
    }
  }

  /** Stops a group, failing its waiters; `deleteLog` also removes its WAL log. */
  async removeGroup(groupId: string, opts: { deleteLog?: boolean } = {}): Promise<void> {
    const g = this.groups.get(groupId);
    if (g === undefined) return;
    this.groups.delete(groupId);
    this.awake.delete(g);
    this.stopGroup(g, new RaftClosedError(`group ${groupId} was removed`));
    await this.loop.currentDrain();
    await this.loop.hardStates.settle(g);
    if (opts.deleteLog !== true) {
      await g.log.close();
      return;
    }
    await this.opts.wal.deleteLog(g.log.logId);
    await removeSideFiles(this.opts.dataDir, g.log.logId, ['conf', 'snap']);
  }

  has(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  // ---- operations ----

  /** Campaigns now (a brand-new group's designated leader skips the election timeout). */
  campaign(groupId: string): void {
    const g = this.group(groupId);
    g.node.campaign();
    this.wake(g);
  }

  /**
   * Appends `data` on the leader. Throws NotLeaderError at once on a follower (never waits for a
   * leader); ProposalDroppedError when the leader refuses for now (too much uncommitted data).
   */
  propose(groupId: string, data: Uint8Array, type: number): ProposeResult {
    const g = this.group(groupId);
    let index: number;
    try {
      index = g.node.propose(data, type);
    } catch (err) {
      throw this.translate(err);
    }
    const term = g.node.term;
    const waits = g.proposals.add(index, term, performance.now());
    this.opts.tracer?.mark('propose', groupId, index);
    this.stats.proposals++;
    this.wake(g);
    return { index, term, durable: waits.durable, committed: waits.committed };
  }

  /**
   * Proposes a single-server membership change (Chronik node ids), tracked like a proposal. One at a
   * time: a second while the first is not applied throws ProposalDroppedError. The caller makes the
   * node reachable (transport peers) and creates the group on it (it may start with no members:
   * the log's configuration entries teach it the membership).
   */
  proposeConfChange(groupId: string, change: { type: ConfChangeType; nodeId: number }): ProposeResult {
    const g = this.group(groupId);
    let index: number;
    try {
      index = g.node.proposeConfChange({ type: change.type, nodeId: toRaftId(change.nodeId) });
    } catch (err) {
      throw this.translate(err);
    }
    const waits = g.proposals.add(index, g.node.status().term, performance.now());
    this.wake(g);
    return { index, term: g.node.status().term, ...waits };
  }

  /** A linearizable read barrier (§6.4): the read index, once applied here. Bounded by timeoutMs. */
  readIndex(groupId: string, timeoutMs: number): Promise<number> {
    let g: RaftGroup;
    try {
      g = this.group(groupId);
      const r = g.reads.start(timeoutMs, groupId);
      try {
        g.node.readIndex(r.context);
      } catch (err) {
        g.reads.fail(r.id, this.translate(err));
      }
      this.wake(g);
      return r.promise;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Hands leadership to `toNodeId`; resolves when it leads, rejects after timeoutMs. */
  transferLeadership(groupId: string, target: number, timeoutMs: number): Promise<void> {
    try {
      const g = this.group(groupId);
      if (toNodeId(g.leader) === target) return Promise.resolve();
      g.node.transferLeadership(toRaftId(target));
      this.wake(g);
      const d = deferred<void>();
      const timer = setTimeout(() => {
        g.transfers = g.transfers.filter((t) => t.d !== d);
        d.reject(new RaftTimeoutError(`leadership of ${groupId} did not move to ${target} within ${timeoutMs} ms`));
      }, timeoutMs);
      g.transfers.push({ to: target, d, timer });
      return d.promise;
    } catch (err) {
      return Promise.reject(this.translate(err));
    }
  }

  onLeaderChange(listener: LeaderChangeListener): () => void {
    const safe: LeaderChangeListener = (...args) => {
      try {
        listener(...args);
      } catch (err) {
        this.log.error({ err, group: args[0] }, 'leader-change listener threw');
      }
    };
    this.listeners.add(safe);
    return () => this.listeners.delete(safe);
  }

  status(groupId: string): GroupStatus {
    const g = this.group(groupId);
    const s = g.node.status();
    const match = new Map<number, number>();
    if (s.role === Role.LEADER) {
      // The core's progress, not a copy kept from acknowledgements as they arrive: a new leader
      // steps its followers' first acknowledgements before the driver has applied the Ready that
      // made it leader (its appends leave before its own write, §10.2.1), and a copy that ignored
      // those stayed behind until the next acknowledgement, which a quiet group never sends
      // (follower out of the ISR for good).
      for (const p of g.node.progress()) {
        const node = toNodeId(p.id);
        if (node !== undefined) match.set(node, p.match);
      }
      match.set(this.nodeId, g.log.durableLastIndex);
    }
    return {
      groupId,
      role: s.role,
      term: s.term,
      leader: toNodeId(s.leaderId),
      commit: s.commit,
      applied: g.applied,
      firstIndex: s.firstIndex,
      lastIndex: s.lastIndex,
      match,
      members: membersOf(g.members),
      quiesced: g.node.quiesced,
    };
  }

  /** Resolves once the Ready loop has nothing running or scheduled (what the host owed is sent). */
  settled(): Promise<void> {
    return this.loop.idle();
  }

  // ---- tick and messages ----

  /**
   * One node-wide tick: every awake group ticks; only those with something to do are drained. A
   * group that quiesced leaves the awake set (unless a deposed leader's proposals still wait for
   * their deadline, which only the tick enforces).
   */
  tick(): void {
    if (this.closed) return;
    this.ticks++;
    this.early.expire(this.ticks);
    this.loop.hardStates.flushDeferred();
    for (const g of this.awake) {
      if (g.failed !== undefined) continue;
      g.node.tick();
      if (g.lostDeadlineTick !== undefined && this.ticks >= g.lostDeadlineTick) this.expireProposals(g);
      if (g.node.hasReady()) this.loop.markDirty(g);
      else if (g.node.quiesced && g.lostDeadlineTick === undefined) this.awake.delete(g);
    }
    this.stats.quiescedGroups = this.groups.size - this.awake.size;
  }

  /** The group got input (which wakes a quiesced core): tick it again, and drain it. */
  private wake(g: RaftGroup): void {
    if (!g.removed) this.awake.add(g);
    this.loop.markDirty(g);
  }

  private expireProposals(g: RaftGroup): void {
    g.lostDeadlineTick = undefined;
    if (g.role === Role.LEADER) return;
    g.proposals.failAll(new ProposalLostError(`leadership of ${g.id} was lost; the proposal's fate is unknown`, true));
  }

  private receive(from: number, parts: FrameParts): void {
    if (this.closed) return;
    dispatchFrame(
      { nodeId: this.nodeId, groups: this.groups, early: this.early, stats: this.stats, logger: this.log, tick: this.ticks, tracer: this.opts.tracer, markDirty: (g) => this.wake(g) },
      from,
      parts,
    );
  }

  // ---- lifecycle ----

  private softState(g: RaftGroup, rd: Ready): void {
    if (rd.softState === undefined) return;
    onSoftState(g, rd.softState, { stats: this.stats, listeners: this.listeners, tick: this.ticks, lostProposalTicks: this.lostProposalTicks });
  }

  private groupFailed(g: RaftGroup, err: unknown): void {
    if (g.failed !== undefined) return;
    g.failed = err instanceof Error ? err : new Error(String(err));
    this.log.error({ err, group: g.id }, 'raft group failed; it stops until reopened');
    this.failWaiters(g, g.failed);
  }

  private stopGroup(g: RaftGroup, err: Error): void {
    g.removed = true;
    this.failWaiters(g, err);
  }

  private failWaiters(g: RaftGroup, err: Error): void {
    g.proposals.failAll(err);
    g.reads.failAll(err);
    for (const t of g.transfers) {
      clearTimeout(t.timer);
      t.d.reject(err);
    }
    g.transfers = [];
  }

  /** Stops the tick, fails every pending operation, waits for the running drain, closes the logs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    const err = new RaftClosedError('raft host closed');
    for (const g of this.groups.values()) this.stopGroup(g, err);
    await this.loop.currentDrain();
    await Promise.all([...this.groups.values()].map((g) => this.loop.hardStates.settle(g)));
    for (const g of this.groups.values()) await g.log.close();
    this.groups.clear();
    this.awake.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new RaftClosedError('raft host closed');
  }

  private group(groupId: string): RaftGroup {
    this.checkOpen();
    const g = this.groups.get(groupId);
    if (g === undefined || g.removed) throw new GroupNotFoundError(groupId);
    if (g.failed !== undefined) throw g.failed;
    return g;
  }

  /** The core reports Raft ids; callers get Chronik node ids. */
  private translate(err: unknown): Error {
    if (err instanceof CoreNotLeaderError) return new NotLeaderError(err.message, err.leaderId === undefined ? undefined : toNodeId(err.leaderId), { cause: err });
    return err instanceof Error ? err : new Error(String(err));
  }
}

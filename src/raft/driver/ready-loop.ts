import type { Logger } from 'pino';
import type { Ready } from '../core/index.js';
import type { NodeTransport } from '../transport/index.js';
import { applyCommitted, appliesEarly, applyReady, maybeSnapshot, settleProposals, settleReady, snapshotDue, type SnapshotPolicy } from './apply.js';
import type { RaftGroup } from './group.js';
import { Outbox } from './outbox.js';
import { CommitNotices } from './commit-notices.js';
import { HardStateSaver } from './hard-state.js';
import { needsPersist, persistReady } from './persist.js';
import type { RaftHostStats } from './stats.js';
import { traceCommitted, traceEntries, traceMessage, type RaftTracer } from './trace.js';

export interface LoopContext {
  transport: NodeTransport;
  stats: RaftHostStats;
  logger: Logger;
  snapshots: SnapshotPolicy;
  nowMs(): number;
  /** Bench-only trace of each entry's way (trace.ts); undefined in production. */
  tracer: RaftTracer | undefined;
  /** Soft-state changes, after the Ready that reported them is durable. */
  onSoftState(g: RaftGroup, rd: Ready): void;
  /** A group's storage or state machine failed: stop it and fail its waiters. */
  onGroupFailed(g: RaftGroup, err: unknown): void;
}

type Batch = Array<[RaftGroup, Ready]>;
/**
 * What was applied before persisting: groups whose entries were applied and proposals settled, and
 * at most one group whose machine returned a promise (resolving to whether it succeeded).
 */
interface EarlyApplied {
  settled: Set<RaftGroup>;
  running: { g: RaftGroup; rd: Ready; ok: Promise<boolean> } | undefined;
}

/**
 * Drains that may run back to back, without going through setImmediate, before the loop lets the
 * event loop's I/O in. A drain ends in the continuation of its WAL round; the groups it leaves dirty
 * are mostly its own work: a leader whose followers acknowledged while it was writing (its commit
 * is ready to apply now) and proposals made by callers woken by this drain's commits. Draining them
 * at once saves one event-loop turn per commit; the bound keeps frames that arrived meanwhile from
 * waiting behind a loop that keeps finding work.
 */
export const MAX_CHAINED_DRAINS = 2;

/**
 * The event-driven Ready loop. Anything that may give a group work (a step, proposal, tick,
 * campaign) marks it dirty; one drain is scheduled with setImmediate, so every message that arrived
 * in the same I/O phase is stepped first and shares the drain. Drains never overlap: groups dirtied
 * while one runs are drained by the next.
 */
export class ReadyLoop {
  private readonly dirty = new Set<RaftGroup>();
  private scheduled = false;
  private running: Promise<void> | undefined;
  private readonly idleWaiters: Array<() => void> = [];
  /** Commit notices held by the last drain, to ride with the next one's appends (commit-notices.ts). */
  private notices = new CommitNotices();
  private noticeFlushScheduled = false;
  /** Hard-state writes: terms and votes at once, commit-only changes at the tick (see hard-state.ts). */
  readonly hardStates = new HardStateSaver();

  constructor(private readonly ctx: LoopContext) {}

  markDirty(g: RaftGroup): void {
    if (g.failed !== undefined || g.removed) return;
    this.dirty.add(g);
    this.schedule();
  }

  /**
   * Resolves when the drain running now (if any) has finished. A group marked removed before this
   * is called is never touched again after it: later drains skip it. Bounded by MAX_CHAINED_DRAINS
   * drains, unlike idle(), which under steady traffic elsewhere may not come soon.
   */
  currentDrain(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Resolves once no drain is running or scheduled and no commit notice is held (tests and benchmarks wait on it). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.running !== undefined) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.drainChain()
        .catch((err: unknown) => this.ctx.logger.error({ err }, 'ready drain failed'))
        .finally(() => this.afterDrain());
    });
  }

  private afterDrain(): void {
    this.running = undefined;
    if (this.dirty.size > 0) {
      this.schedule();
      return;
    }
    // A drain that found nothing to collect released nothing: the held notices go out alone.
    if (!this.notices.empty) this.scheduleNoticeFlush();
    this.wakeIdle();
  }

  private isIdle(): boolean {
    return this.running === undefined && !this.scheduled && this.notices.empty;
  }

  private wakeIdle(): void {
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async drainChain(): Promise<void> {
    for (let i = 0; i < MAX_CHAINED_DRAINS && this.dirty.size > 0; i++) await this.drain();
  }

  /**
   * Held notices go out in the next turn at the latest: with the appends of a drain scheduled for
   * that turn (its setImmediate, queued after this one, runs in the same phase), or alone.
   */
  private scheduleNoticeFlush(): void {
    if (this.noticeFlushScheduled) return;
    this.noticeFlushScheduled = true;
    setImmediate(() => {
      this.noticeFlushScheduled = false;
      // A drain running (waiting for its WAL round) or scheduled carries them, or afterDrain
      // schedules this again.
      if (this.scheduled || this.running !== undefined || this.notices.empty) return;
      const out = new Outbox();
      this.notices.release(out);
      this.flush(out);
      this.wakeIdle();
    });
  }

  private collect(): Batch {
    const batch: Batch = [];
    for (const g of this.dirty) {
      if (g.failed === undefined && !g.removed && g.node.hasReady()) batch.push([g, g.node.ready()]);
    }
    this.dirty.clear();
    return batch;
  }

  private async drain(): Promise<void> {
    const batch = this.collect();
    if (batch.length === 0) return;
    const { ctx } = this;
    ctx.stats.drains++;
    if (ctx.tracer !== undefined) {
      traceEntries(ctx.tracer, 'collect', batch);
      traceCommitted(ctx.tracer, batch);
    }
    // A leader's appends go out while it writes its own copy (§10.2.1); its commit notices wait
    // for the next drain's appends (commit-notices.ts).
    this.send(batch, (rd) => rd.messagesBeforePersist, true);
    ctx.transport.flushCorked();
    // Committed entries already durable here need not wait for this Ready's own WAL round.
    const early = this.applyEarly(batch);
    const durable = await this.persist(batch);
    if (ctx.tracer !== undefined) traceEntries(ctx.tracer, 'durable', durable);
    for (const [g, rd] of durable) ctx.onSoftState(g, rd);
    // Votes and acknowledgements promise durability: only now may they leave.
    this.send(durable, (rd) => rd.messages);
    // An early apply still running finishes before any other group's apply starts: one group
    // applies at a time, as without early applies.
    if (early.running !== undefined && (await early.running.ok)) this.finish(early.running.g, early.running.rd);
    for (const [g, rd] of durable) {
      if (early.settled.has(g)) this.finish(g, rd, true);
      if (early.settled.has(g) || early.running?.g === g) continue;
      const applying = this.apply(g, rd);
      if (applying !== undefined) await applying;
    }
    for (const [g] of durable) {
      if (g.failed !== undefined || g.removed) continue;
      if (snapshotDue(g, ctx.snapshots)) await this.snapshot(g);
      if (g.node.hasReady()) this.markDirty(g);
    }
  }

  /**
   * Sends the picked messages, batched per peer. In a drain's first send (`first`), the notices
   * held by the previous drain go out too, unless an append of this send supersedes them; and this
   * drain's own notices are held for the next drain (or the turn after this one ends). A drain
   * that writes entries ends only after its WAL round, so its notices wait that long (followers
   * learn the commit one round later; the leader's commits do not wait on them); with many groups
   * busy they are mostly superseded by the next drain's appends of their group: each one dropped
   * saves a message and its acknowledgement per group, follower and round.
   */
  private send(batch: Batch, pick: (rd: Ready) => Ready['messages'], first = false): void {
    const out = new Outbox();
    const t = this.ctx.tracer;
    const carried = first && !this.notices.empty ? this.notices : undefined;
    if (carried !== undefined) this.notices = new CommitNotices();
    const holdNotices = first;
    for (const [g, rd] of batch) {
      for (const m of pick(rd)) {
        if (holdNotices && CommitNotices.isNotice(m)) {
          this.notices.hold(g, m);
          this.scheduleNoticeFlush();
          continue;
        }
        carried?.supersede(g, m);
        this.notices.supersede(g, m);
        out.addOne(g, m);
        if (t !== undefined) traceMessage(t, 'send', g.id, m);
      }
    }
    carried?.release(out);
    this.flush(out);
  }

  private flush(out: Outbox): void {
    if (out.empty) return;
    for (const g of out.flush(this.ctx.transport, this.ctx.stats)) this.markDirty(g);
  }

  /** Persists every group's Ready concurrently (one WAL sync round); returns those that succeeded. */
  private async persist(batch: Batch): Promise<Batch> {
    let wrote = false;
    const writes: Array<Promise<void>> = [];
    // Most Readies of idle groups (heartbeats and their responses) have nothing to write: no
    // promise. A commit index that moved alone is written at the tick's pace (hard-state.ts).
    for (const [g, rd] of batch) {
      // A group whose early apply failed is stopped: nothing more is written for it.
      if (g.failed !== undefined || g.removed) continue;
      if (!needsPersist(g, rd)) {
        if (rd.hardState !== undefined) this.hardStates.defer(g, rd.hardState);
        continue;
      }
      writes.push(
        persistReady(g, rd, this.hardStates).then(
          (w) => void (wrote ||= w),
          (err: unknown) => this.ctx.onGroupFailed(g, err),
        ),
      );
    }
    // The appends above joined the WAL's next round, issued in the next turn: a commit index
    // deferred earlier is written after that round has started, not before.
    if (writes.length > 0) this.hardStates.afterAppends();
    if (writes.length > 0) await Promise.all(writes);
    if (wrote) this.ctx.stats.fsyncRounds++;
    return batch.filter(([g]) => g.failed === undefined && !g.removed);
  }

  /** Applies one group's Ready; a promise only when its state machine returned one. */
  private apply(g: RaftGroup, rd: Ready): Promise<void> | undefined {
    if (g.removed || g.failed !== undefined) return undefined;
    let pending: Promise<void> | undefined;
    try {
      pending = applyReady(g, rd, this.ctx.stats);
    } catch (err) {
      this.ctx.onGroupFailed(g, err);
      return undefined;
    }
    if (pending === undefined) {
      this.finish(g, rd);
      return undefined;
    }
    return pending.then(
      () => this.finish(g, rd),
      (err: unknown) => this.ctx.onGroupFailed(g, err),
    );
  }

  /**
   * Applies, before persisting, the committed entries of the Readies that allow it (appliesEarly)
   * and settles their proposals at once when the machine applied synchronously: a produce is
   * answered as soon as its entry is committed and applied, not one WAL round later. The core
   * still learns of it in advance(), after the Ready is durable.
   */
  private applyEarly(batch: Batch): EarlyApplied {
    const early: EarlyApplied = { settled: new Set(), running: undefined };
    for (const [g, rd] of batch) {
      if (g.failed !== undefined || g.removed || !appliesEarly(g, rd)) continue;
      try {
        const pending = applyCommitted(g, rd.committedEntries);
        // Nothing after a machine that returned a promise: two groups never apply concurrently.
        if (pending !== undefined) {
          early.running = { g, rd, ok: handled(pending, (err) => this.ctx.onGroupFailed(g, err)) };
          break;
        }
        settleProposals(g, rd.committedEntries, this.ctx.stats, this.ctx.nowMs());
        this.traceResolved(g, rd);
        early.settled.add(g);
      } catch (err) {
        this.ctx.onGroupFailed(g, err);
      }
    }
    return early;
  }

  private finish(g: RaftGroup, rd: Ready, proposalsSettled = false): void {
    if (g.removed || g.failed !== undefined) return;
    try {
      g.node.advance(rd);
      settleReady(g, rd, this.ctx.stats, this.ctx.nowMs(), proposalsSettled);
      if (!proposalsSettled) this.traceResolved(g, rd);
    } catch (err) {
      this.ctx.onGroupFailed(g, err);
    }
  }

  private traceResolved(g: RaftGroup, rd: Ready): void {
    const last = rd.committedEntries.at(-1);
    if (last !== undefined) this.ctx.tracer?.mark('resolved', g.id, last.index);
  }

  private async snapshot(g: RaftGroup): Promise<void> {
    try {
      await maybeSnapshot(g, this.ctx.snapshots, this.ctx.stats);
    } catch (err) {
      // A failed local snapshot is not fatal: the log is still whole; the next one retries.
      g.logger.warn({ err }, 'local snapshot failed');
    }
  }
}

/** `pending` resolved to whether it succeeded, its failure reported at once (it may fail while the Ready is persisted). */
function handled(pending: Promise<void>, onError: (err: unknown) => void): Promise<boolean> {
  return pending.then(
    () => true,
    (err: unknown) => {
      onError(err);
      return false;
    },
  );
}

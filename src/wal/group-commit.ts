/**
 * The store's group commit: appends to any of its logs that arrive together are written and
 * fdatasync'd in one round (all logs concurrently), and their derived index ops are written to
 * LevelDB later, in batches.
 *
 * Rounds are pipelined (see runRounds): writing a round into the page cache costs about as much as
 * its fdatasync on the disks we measured, so round N+1's writes overlap round N's fdatasync, and the
 * appenders woken by round N prepare their next entries (frame headers, CRCs) while round N+1
 * syncs. A log gives a round at most `maxRoundBytes` of payload, so a large backlog is cut into
 * rounds that can overlap instead of one huge write followed by one huge fdatasync.
 */
import type { WalBatchOp, StoreContext } from './context.js';
import type { RoundResult, WrittenRound } from './log-write.js';
import type { WalLog } from './log.js';

interface Written {
  log: WalLog;
  round: WrittenRound | undefined;
}

interface Synced {
  log: WalLog;
  result: RoundResult | undefined;
}

/** Index ops are written to LevelDB once this many are pending across the store… */
const INDEX_FLUSH_OPS = 4096;
/** …or this long after the first of them, whichever comes first (bounds the catch-up scan on open). */
const INDEX_FLUSH_DELAY_MS = 50;

export class GroupCommit {
  private readonly dirty = new Set<WalLog>();
  private roundScheduled = false;
  private roundsRunning: Promise<void> | undefined;
  private readonly indexDirty = new Set<WalLog>();
  private pendingIndexOps = 0;
  private indexTimer: NodeJS.Timeout | undefined;
  private indexChain: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: StoreContext) {}

  markDirty(log: WalLog): void {
    this.dirty.add(log);
    if (this.roundsRunning !== undefined || this.roundScheduled) return;
    this.roundScheduled = true;
    // setImmediate, not a microtask: appends issued in the same turn of the event loop join the round.
    setImmediate(() => {
      this.roundScheduled = false;
      this.roundsRunning = this.runRounds().finally(() => {
        this.roundsRunning = undefined;
        const next = this.dirty.values().next();
        if (!next.done) this.markDirty(next.value);
      });
    });
  }

  forget(log: WalLog): void {
    this.dirty.delete(log);
    this.indexDirty.delete(log);
  }

  /** Resolves when no round is running (for close). */
  async idle(): Promise<void> {
    await this.roundsRunning;
  }

  /**
   * The pipeline: round N+1's writes run while round N's fdatasyncs are in flight. Then N completes
   * and its appends resolve (their appenders' next frame headers and CRCs overlap N+1's writes), and
   * N+1's fdatasyncs start once its writes are done. Syncs, completions and index derivation stay in
   * round order. Bounded: each round takes the logs dirty when it starts, and a log stays dirty only
   * while it has unwritten appends (bounded per log by maxPendingBytes).
   */
  private async runRounds(): Promise<void> {
    let syncing: Promise<Synced[]> | undefined;
    for (;;) {
      const writing = this.dirty.size > 0 ? this.writeAll() : undefined;
      const synced = syncing === undefined ? [] : await syncing;
      this.complete(synced);
      for (const s of synced) s.log.wakeDurable();
      syncing = writing === undefined ? undefined : this.syncAll(await writing);
      // LevelDB back-pressure: a full index batch is written before more rounds complete.
      if (this.pendingIndexOps >= INDEX_FLUSH_OPS) await this.flushIndex();
      if (syncing === undefined && this.dirty.size === 0) return;
    }
  }

  /** Starts writing every dirty log's next round (synchronously up to each one's first I/O call). */
  private writeAll(): Promise<Written[]> {
    const logs = [...this.dirty];
    this.dirty.clear();
    return Promise.all(
      logs.map(async (log) => {
        try {
          const round = await log.writeRound();
          // A backlog beyond this round's bound: its next round is written while this one syncs.
          if (log.hasUnwritten()) this.dirty.add(log);
          return { log, round };
        } catch (err) {
          log.fail(err);
          return { log, round: undefined };
        }
      }),
    );
  }

  private syncAll(written: Written[]): Promise<Synced[]> {
    return Promise.all(
      written.map(async ({ log, round }) => {
        if (round === undefined) return { log, result: undefined };
        try {
          return { log, result: await log.syncRound(round) };
        } catch (err) {
          log.fail(err);
          return { log, result: undefined };
        }
      }),
    );
  }

  /** The round is durable: its entries leave the tails and its index ops queue for LevelDB. */
  private complete(synced: Synced[]): void {
    for (const { log, result } of synced) {
      if (result !== undefined) {
        log.completeRound(result);
        this.indexDirty.add(log);
        this.pendingIndexOps += result.ops.length;
      }
      if (log.hasUnwritten()) this.dirty.add(log);
    }
    if (this.pendingIndexOps < INDEX_FLUSH_OPS && this.indexDirty.size > 0 && this.indexTimer === undefined) {
      this.indexTimer = setTimeout(() => void this.flushIndex(), INDEX_FLUSH_DELAY_MS);
      this.indexTimer.unref();
    }
  }

  /**
   * Writes every log's pending index ops in one LevelDB batch. Index keys are derived state, so the
   * batch is not synced: after a crash, opening a log catches the index up from the segments.
   * Flushes run one after another, each taking whatever is pending when it starts.
   */
  flushIndex(): Promise<void> {
    const run = this.indexChain.then(() => this.doFlushIndex());
    this.indexChain = run.catch(() => undefined);
    return run;
  }

  private async doFlushIndex(): Promise<void> {
    if (this.indexTimer !== undefined) clearTimeout(this.indexTimer);
    this.indexTimer = undefined;
    const logs = [...this.indexDirty];
    this.indexDirty.clear();
    this.pendingIndexOps = 0;
    const taken = logs.map((l) => l.takeIndexOps());
    const ops: WalBatchOp[] = [];
    for (const t of taken) for (const op of t.ops) ops.push(op);
    if (ops.length === 0) return;
    try {
      await this.ctx.db.batch(ops);
    } catch (err) {
      for (const l of logs) l.fail(err);
      return;
    }
    logs.forEach((l, i) => {
      const t = taken[i];
      if (t !== undefined) l.indexFlushed(t);
    });
  }
}

/**
 * The store's group commit: appends to any of its logs that arrive together are written and made
 * durable in one round, and their derived index ops are written to LevelDB later, in batches.
 *
 * A round that writes to two or more logs also appends their bytes to the node's redo journal
 * (journal.ts) and makes the whole round durable with ONE fdatasync of the journal instead of one
 * per segment; a round of a single log fdatasyncs its segment (no double write for one big log).
 *
 * Rounds are pipelined (see runRounds): writing a round into the page cache costs about as much as
 * its fdatasync on the disks we measured, so round N+1's writes (segments and journal records)
 * overlap round N's fdatasync, and the appenders woken by round N prepare their next entries
 * (frame headers, CRCs) while round N+1 syncs. A log gives a round at most `maxRoundBytes` of
 * payload, so a large backlog is cut into rounds that can overlap instead of one huge write
 * followed by one huge fdatasync.
 */
import type { WalBatchOp, StoreContext } from './context.js';
import type { RoundResult, WrittenRound } from './log-write.js';
import type { WalLog } from './log.js';
import type { Journal, JournalPart } from './journal.js';
import { assert } from '../util/assert.js';

interface Written {
  log: WalLog;
  round: WrittenRound | undefined;
}

/**
 * A round's writes, and when the journal holds them: `durable` resolves true once the journal's
 * fdatasync covered them (the segments then need none), false if the journal failed meanwhile.
 */
interface RoundWrites {
  written: Written[];
  durable: Promise<boolean> | undefined;
}

interface Synced {
  log: WalLog;
  result: RoundResult | undefined;
}

/** Index ops are written to LevelDB once this many are pending across the store… */
const INDEX_FLUSH_OPS = 4096;
/**
 * …or this long after the first of them, whichever comes first (bounds the catch-up scan on open).
 * The store's `indexFlushDelayMs` option overrides it.
 */
export const DEFAULT_INDEX_FLUSH_DELAY_MS = 50;
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * Once this many are pending (and at least INDEX_SYNC_FLUSH_OPS_PER_LOG per log, so that the one
 * marker each log adds stays a small part of the batch), they are flushed while a round's fdatasync
 * is in flight. Why: LevelDB's batch call converts every op on the event loop (~1.3 µs each); at
 * 256 × 1 KiB appenders the 50 ms flush was a ~2.5 ms block that stalled the round it fell into,
 * while a round's fdatasync leaves the loop idle for ~0.5 ms, room for a few hundred ops.
 */
const INDEX_SYNC_FLUSH_OPS = 256;
const INDEX_SYNC_FLUSH_OPS_PER_LOG = 16;

/** setTimeout turns a delay beyond 2^31 - 1 ms into 1 ms: a bound that fired at once would surprise. */
export function assertIndexFlushDelay(ms: number): void {
  assert(Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMER_MS, `indexFlushDelayMs ${ms} is not in (0, ${MAX_TIMER_MS}]`);
}

/** Whether `pendingOps` index ops of `logs` logs are flushed while a round's fdatasync runs. */
export function indexFlushDueWhileSyncing(pendingOps: number, logs: number): boolean {
  return pendingOps >= INDEX_SYNC_FLUSH_OPS && pendingOps >= INDEX_SYNC_FLUSH_OPS_PER_LOG * logs;
}

/**
 * Rounds whose logs write more than this on average are not journaled: writing their bytes twice
 * costs more than the fdatasyncs the journal saves (measured, 2–10 logs: with the journal 10–50 %
 * slower at 1 MiB per log, about even at 512 KiB, 15–30 % faster at 256 KiB, so the bound lets
 * 256 KiB entries with their frame headers through), and it would double the disk bytes of a
 * large-batch workload.
 */
const JOURNAL_MAX_BYTES_PER_LOG = 320 * 1024;

export interface JournalSettings {
  journal: Journal;
  /** A checkpoint starts the next journal file once this one holds this many bytes. */
  checkpointBytes: number;
}

export class GroupCommit {
  private readonly dirty = new Set<WalLog>();
  private roundScheduled = false;
  private roundsRunning: Promise<void> | undefined;
  private readonly indexDirty = new Set<WalLog>();
  private pendingIndexOps = 0;
  private indexTimer: NodeJS.Timeout | undefined;
  private indexChain: Promise<void> = Promise.resolve();
  /** Checkpoints holding the pipeline (no round starts while > 0), and their queue. */
  private paused = 0;
  private checkpoints: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: StoreContext,
    private readonly journal: JournalSettings | undefined,
    private readonly indexFlushDelayMs = DEFAULT_INDEX_FLUSH_DELAY_MS,
  ) {
    assertIndexFlushDelay(indexFlushDelayMs);
  }

  markDirty(log: WalLog): void {
    this.dirty.add(log);
    if (this.roundsRunning !== undefined || this.roundScheduled || this.paused > 0) return;
    this.roundScheduled = true;
    // A microtask: every append issued by the code running now (a Ready loop's persist step issues
    // all its groups' appends in one synchronous pass; appenders woken by one round all run in the
    // same microtask drain) joins this round, and the round's I/O starts in this turn of the event
    // loop instead of after the rest of its poll phase (setImmediate cost ~0.1-0.2 ms per commit
    // under load in a Raft trace). Appends from later callbacks join the next round, which the
    // pipeline writes while this one syncs.
    queueMicrotask(() => {
      this.roundScheduled = false;
      // A checkpoint took the pipeline meanwhile; it restarts the rounds when it is done.
      if (this.paused > 0) return;
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
   * Before `logId` is rewritten (truncated, prefix-deleted, reset by a snapshot), closed or deleted:
   * a checkpoint if the journal holds records of it (of one of `segmentBases`, the segments the
   * operation cuts or removes, when given), so that recovery never redoes a record into a file that
   * was cut or removed since.
   */
  checkpointFor(logId: string, segmentBases?: readonly number[]): Promise<void> {
    const j = this.journal?.journal;
    if (j === undefined || !j.holds(logId, segmentBases)) return Promise.resolve();
    return this.exclusively(() => (j.holds(logId, segmentBases) ? j.checkpoint() : Promise.resolve()));
  }

  /** See Journal.release: for a log closing after its checkpoint failed. */
  releaseSegments(fds: readonly number[]): Promise<void> {
    const j = this.journal?.journal;
    return j === undefined ? Promise.resolve() : this.exclusively(() => j.release(fds));
  }

  /** Runs `fn` with the pipeline empty and held; checkpoints run one at a time. */
  private exclusively(fn: () => Promise<void>): Promise<void> {
    const run = this.checkpoints.then(async () => {
      this.paused++;
      try {
        // Bounded: while paused no run starts, so only the one in progress is awaited.
        if (this.roundsRunning !== undefined) await this.roundsRunning;
        assert(this.roundsRunning === undefined, 'no round runs while a checkpoint holds the pipeline');
        await fn();
      } finally {
        this.paused--;
        const next = this.dirty.values().next();
        if (this.paused === 0 && !next.done) this.markDirty(next.value);
      }
    });
    this.checkpoints = run.catch(() => undefined);
    return run;
  }

  async closeJournal(): Promise<void> {
    await this.checkpoints;
    await this.journal?.journal.close();
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
      // A due checkpoint (or one waiting to run) lets the pipeline drain before more is written.
      const hold = this.paused > 0 || this.checkpointDue();
      const writing = this.dirty.size > 0 && !hold ? settled(this.writeAll()) : undefined;
      const synced = syncing === undefined ? [] : await syncing;
      this.complete(synced);
      // The next round's fdatasync is issued before the appenders of this one are woken when its
      // writes are already done: they then run while that fdatasync is in flight instead of before
      // it starts. Otherwise they are woken first, and the fdatasync follows the writes.
      if (writing?.value !== undefined) {
        syncing = this.syncAll(writing.value);
        for (const s of synced) s.log.wakeDurable();
      } else {
        for (const s of synced) s.log.wakeDurable();
        syncing = writing === undefined ? undefined : this.syncAll(await writing.promise);
      }
      if (syncing !== undefined) this.flushWhileSyncing();
      // LevelDB back-pressure: a full index batch is written before more rounds complete.
      if (this.pendingIndexOps >= INDEX_FLUSH_OPS) await this.flushIndex();
      if (syncing !== undefined) continue;
      if (this.paused > 0) return;
      if (this.checkpointDue()) await this.sizeCheckpoint();
      else if (this.dirty.size === 0) return;
    }
  }

  /**
   * Starts an index flush if enough ops are pending (see INDEX_SYNC_FLUSH_OPS). Called with a
   * round's fdatasync issued: the flush runs as a microtask once this turn's work and the appenders
   * just woken are done, so the loop converts the batch while it would wait for the disk.
   */
  private flushWhileSyncing(): void {
    if (!indexFlushDueWhileSyncing(this.pendingIndexOps, this.indexDirty.size)) return;
    // A failed batch fails its logs inside doFlushIndex; nothing is left to observe here.
    this.flushIndex().catch(() => undefined);
  }

  private checkpointDue(): boolean {
    const j = this.journal;
    return j !== undefined && j.journal.usable && !j.journal.empty && j.journal.sizeBytes >= j.checkpointBytes;
  }

  /** The journal is full and the pipeline is empty. A failure marks the journal (see journal.ts). */
  private async sizeCheckpoint(): Promise<void> {
    try {
      await this.journal?.journal.checkpoint();
    } catch {
      // Logged by the journal; rounds fdatasync their segments until a checkpoint succeeds.
    }
  }

  /**
   * Writes every dirty log's next round. With two or more logs the round is journaled: when every
   * log can say beforehand what it will write (previewRound), the journal's write and fdatasync run
   * WHILE the segments are written; otherwise they follow the segment writes.
   */
  private async writeAll(): Promise<RoundWrites> {
    const logs = [...this.dirty];
    this.dirty.clear();
    // A single log's round never journals: no preview work on that (hot) path.
    const journaling = logs.length >= 2 && this.journal?.journal.usable === true;
    const previews = journaling ? logs.map((l) => l.previewRound()) : [];
    const known = previews.filter((p): p is JournalPart => p !== undefined);
    const early = journaling && known.length === logs.length ? this.startJournal(known, known.length) : undefined;
    // A journaled round's segments are fdatasync'd only at checkpoints: extending them ahead
    // (prealloc.ts) saves nothing there.
    const written = await this.writeSegments(logs, !journaling);
    if (early !== undefined) {
      written.forEach(({ log, round }, i) => {
        const p = previews[i];
        assert(round === undefined || (p !== undefined && log.matchesPreview(round, p)), 'a round writes what its preview said');
      });
      return { written, durable: early };
    }
    const rounds = written.filter((w) => w.round !== undefined);
    if (!journaling || rounds.length < 2) return { written, durable: undefined };
    const parts = rounds.flatMap(({ log, round }) => (round === undefined ? [] : log.journalParts(round)));
    return { written, durable: this.startJournal(parts, rounds.length) };
  }

  /**
   * Writes and fdatasyncs a round's journal records, if the round has two or more logs, the journal
   * is usable, the logs' writes average at most JOURNAL_MAX_BYTES_PER_LOG, and the round is not
   * larger than a quarter of the journal's bound (which keeps a journal file at most 1.25 ×
   * checkpointBytes: recovery reads it whole). Positions in the journal are taken when this is
   * called, so rounds stay in order.
   */
  private startJournal(parts: JournalPart[], logs: number): Promise<boolean> | undefined {
    const j = this.journal;
    if (j === undefined || !j.journal.usable || logs < 2) return undefined;
    const bytes = parts.reduce((sum, p) => sum + p.bytes, 0);
    if (bytes > j.checkpointBytes / 4 || bytes > logs * JOURNAL_MAX_BYTES_PER_LOG) return undefined;
    return writeAndSync(j.journal, parts);
  }

  /** Starts writing every given log's next round (synchronously up to each one's first I/O call). */
  private writeSegments(logs: WalLog[], extend: boolean): Promise<Written[]> {
    return Promise.all(
      logs.map(async (log) => {
        try {
          const round = await log.writeRound(extend);
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

  /**
   * Makes a written round durable: one fdatasync of the journal when it holds the round (and has
   * not failed since: a later round may have been written into it meanwhile), else each segment's.
   */
  private async syncAll({ written, durable }: RoundWrites): Promise<Synced[]> {
    // A failed journal was logged and marked by it; the segments hold the bytes: fdatasync them.
    const segmentSync = durable === undefined || !(await durable);
    return Promise.all(
      written.map(async ({ log, round }) => {
        if (round === undefined) return { log, result: undefined };
        try {
          return { log, result: await log.syncRound(round, segmentSync) };
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
      this.indexTimer = setTimeout(() => void this.flushIndex(), this.indexFlushDelayMs);
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

/**
 * The journal's write, then its fdatasync; false when either failed or the journal failed meanwhile
 * (another round's fdatasync on the same file failed: a later one may then succeed without having
 * written anything, so this round does not count on it).
 */
async function writeAndSync(j: Journal, parts: readonly JournalPart[]): Promise<boolean> {
  try {
    await j.write(parts);
    if (!j.usable) return false;
    await j.sync();
    return j.usable;
  } catch {
    return false;
  }
}

/** A promise and, once it has fulfilled, its value (read synchronously by the pipeline). */
interface Tracked<T> {
  promise: Promise<T>;
  value: T | undefined;
}

function settled<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { promise, value: undefined };
  // A rejection is the awaiting side's to handle; this only records a value.
  promise.then(
    (v) => {
      t.value = v;
    },
    () => undefined,
  );
  return t;
}

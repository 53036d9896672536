/**
 * One WalStore per node: one LevelDB (every log's index, under per-log key prefixes) and a directory
 * of per-log segment directories. Appends to any of its logs that arrive together are written and
 * fdatasync'd in one round (all logs concurrently, see group-commit.ts); hard states saved in the
 * same tick share one synced LevelDB batch.
 */
import { ClassicLevel } from 'classic-level';
import type { Logger } from 'pino';
import type { FileIO } from './file-io.js';
import type { HardState } from './entry.js';
import { batchDurable, type StoreContext, type WalDb } from './context.js';
import { NodeFileIO } from './node-file-io.js';
import { WalLog, type LogHost } from './log.js';
import { openLogState } from './log-open.js';
import { logIdOfRegistryKey, logRange, registryKey, registryRange } from './keys.js';
import { encodeHardState } from './meta.js';
import { sanitiseLogId } from './segment-files.js';
import { assertIndexFlushDelay, GroupCommit, type JournalSettings } from './group-commit.js';
import { DEFAULT_JOURNAL_CHECKPOINT_BYTES, Journal } from './journal.js';
import { journalDir, redoJournal } from './journal-redo.js';
import { WalClosedError } from './errors.js';
import { runMigrations } from '../../migrations/index.js';
import { WalBlobs } from './blobs.js';
import { ChunkPool } from './frame-stage.js';
import { DEFAULT_PREALLOCATE_BYTES } from './prealloc.js';
import { assert } from '../util/assert.js';

export const DEFAULT_SEGMENT_BYTES = 128 * 1024 * 1024;
export const DEFAULT_INDEX_INTERVAL_BYTES = 4096;
/** Per log: payload bytes accepted but not yet durable before appends are refused. */
export const DEFAULT_MAX_PENDING_BYTES = 512 * 1024 * 1024;
/**
 * Per log: payload bytes one sync round takes. A backlog larger than this is written in several
 * rounds, and the appenders woken by one round prepare their next entries while the next round's
 * fdatasync runs (instead of one huge round, then all the CPU work, then the next huge round).
 */
export const DEFAULT_MAX_ROUND_BYTES = 8 * 1024 * 1024;

export type SyncMode = 'dsync' | 'fdatasync';
export const DEFAULT_SYNC_MODE: SyncMode = 'fdatasync';

export interface WalStoreOptions {
  dir: string;
  logger: Logger;
  fileIO?: FileIO;
  /** Inject a LevelDB (e.g. a MemoryLevel for the in-memory mode); it must use buffer keys and values. */
  db?: WalDb;
  /** 'never' is for tests and benchmarks only. */
  fsync?: 'always' | 'never';
  /**
   * How a round's frames become durable (with fsync 'always'): 'dsync' opens segments O_DSYNC so
   * the write itself is durable (one thread-pool trip per round), 'fdatasync' writes, then
   * fdatasyncs. Default DEFAULT_SYNC_MODE.
   */
  syncMode?: SyncMode;
  segmentBytes?: number;
  indexIntervalBytes?: number;
  /** Per log bound on bytes waiting for the next sync (appends beyond it reject: WalOverloadedError). */
  maxPendingBytes?: number;
  /** Per log bound on the payload bytes one sync round takes (at least one entry is always taken). */
  maxRoundBytes?: number;
  /**
   * Rounds that write to two or more logs are made durable by one fdatasync of the node's redo
   * journal instead of one per segment (default true; only with fsync 'always' and syncMode
   * 'fdatasync'). Recovery redoes a journal left by a crash whatever this says.
   */
  journal?: boolean;
  /** A checkpoint starts the next journal file once this one holds this many bytes (default 64 MiB). */
  journalCheckpointBytes?: number;
  /**
   * Index ops of durable rounds are written to LevelDB at the latest this long after the first of
   * them (default 50 ms; sooner when many are pending). Bounds the catch-up scan after a crash.
   * Asserted to be in (0, 2^31 - 1].
   */
  indexFlushDelayMs?: number;
  /**
   * Step of the sparse preallocation of each log's last segment and of the journal (prealloc.ts):
   * files are extended with ftruncate this far ahead of their writes, so that a round's fdatasync
   * need not write the file's size. Default DEFAULT_PREALLOCATE_BYTES with fsync 'always'; 0 turns
   * it off (always off with fsync 'never', where no fdatasync is saved).
   */
  preallocateBytes?: number;
}

export interface OpenLogOptions {
  segmentBytes?: number;
  kind?: 'raft' | 'partition';
}

interface HardStateWrite {
  key: Buffer;
  value: Buffer;
}

export class WalStore implements LogHost {
  private readonly logs = new Map<string, WalLog>();
  private readonly opening = new Map<string, Promise<WalLog>>();
  private readonly commits: GroupCommit;
  private pendingHard = new Map<string, HardStateWrite>();
  private hardWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private hardScheduled = false;
  /** Whether any write of the pending batch must be synced (a term or vote). */
  private hardSync = false;
  private hardFlush: Promise<void> | undefined;
  private closed = false;
  /** Spare frame-stage chunks shared by this store's logs (bounded, see frame-stage.ts). */
  private readonly chunks = new ChunkPool();
  /** Small atomic, synced values beside each log's state (see blobs.ts). */
  readonly blobs: WalBlobs;

  private constructor(
    private readonly ctx: StoreContext,
    private readonly dir: string,
    private readonly ownsDb: boolean,
    private readonly defaults: { segmentBytes: number; indexIntervalBytes: number; maxPendingBytes: number; maxRoundBytes: number; preallocateBytes: number },
    journal: JournalSettings | undefined,
    indexFlushDelayMs: number | undefined,
  ) {
    this.commits = new GroupCommit(ctx, journal, indexFlushDelayMs);
    this.blobs = new WalBlobs(ctx);
  }

  static async open(opts: WalStoreOptions): Promise<WalStore> {
    // Checked before anything is opened, so a bad option leaves nothing behind.
    if (opts.indexFlushDelayMs !== undefined) assertIndexFlushDelay(opts.indexFlushDelayMs);
    assert(opts.preallocateBytes === undefined || (Number.isSafeInteger(opts.preallocateBytes) && opts.preallocateBytes >= 0), 'preallocateBytes is a non-negative integer');
    const io = opts.fileIO ?? new NodeFileIO();
    await io.mkdir(`${opts.dir}/logs`);
    const db: WalDb = opts.db ?? new ClassicLevel<Buffer, Buffer>(`${opts.dir}/index`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    if (db.status !== 'open') await db.open();
    const logger = opts.logger.child({ module: 'wal' });
    const fsync = opts.fsync ?? 'always';
    const ctx: StoreContext = { db, io, logger, fsync, dsync: fsync === 'always' && (opts.syncMode ?? DEFAULT_SYNC_MODE) === 'dsync' };
    const preallocateBytes = fsync === 'always' ? (opts.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES) : 0;
    let journal: JournalSettings | undefined;
    try {
      await runMigrations({ db, io, dir: opts.dir, logger });
      journal = await startJournal(ctx, opts, preallocateBytes);
    } catch (err) {
      if (opts.db === undefined) await db.close();
      throw err;
    }
    const defaults = {
      segmentBytes: opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      indexIntervalBytes: opts.indexIntervalBytes ?? DEFAULT_INDEX_INTERVAL_BYTES,
      maxPendingBytes: opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
      maxRoundBytes: opts.maxRoundBytes ?? DEFAULT_MAX_ROUND_BYTES,
      preallocateBytes,
    };
    return new WalStore(ctx, opts.dir, opts.db === undefined, defaults, journal, opts.indexFlushDelayMs);
  }

  /** Opens (recovering if needed) a log; the same instance is returned while it is open. */
  openLog(logId: string, opts: OpenLogOptions = {}): Promise<WalLog> {
    if (this.closed) return Promise.reject(new WalClosedError('store is closed'));
    const open = this.logs.get(logId);
    if (open !== undefined) return Promise.resolve(open);
    const pending = this.opening.get(logId);
    if (pending !== undefined) return pending;
    const p = this.doOpen(logId, opts).finally(() => this.opening.delete(logId));
    this.opening.set(logId, p);
    return p;
  }

  private async doOpen(logId: string, opts: OpenLogOptions): Promise<WalLog> {
    await this.ctx.db.put(registryKey(logId), Buffer.from(opts.kind ?? 'raft'));
    const state = await openLogState(this.ctx, logId, this.logDir(logId), {
      segmentBytes: opts.segmentBytes ?? this.defaults.segmentBytes,
      indexIntervalBytes: this.defaults.indexIntervalBytes,
      maxPendingBytes: this.defaults.maxPendingBytes,
      maxRoundBytes: this.defaults.maxRoundBytes,
      preallocateBytes: this.defaults.preallocateBytes,
      chunks: this.chunks,
    });
    const log = new WalLog(state, this);
    this.logs.set(logId, log);
    return log;
  }

  private logDir(logId: string): string {
    return `${this.dir}/logs/${sanitiseLogId(logId)}`;
  }

  async listLogs(): Promise<string[]> {
    const ids: string[] = [];
    for await (const key of this.ctx.db.keys(registryRange())) ids.push(logIdOfRegistryKey(key));
    return ids;
  }

  /** Closes the log if open, removes its segments and every LevelDB key of it. */
  async deleteLog(logId: string): Promise<void> {
    await this.logs.get(logId)?.close();
    // Must succeed: a journal record redone into a deleted log would bring a segment back.
    await this.commits.checkpointFor(logId);
    await this.ctx.io.rmdir(this.logDir(logId));
    await this.ctx.db.clear(logRange(logId));
    await this.ctx.db.del(registryKey(logId));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const log of [...this.logs.values()]) await log.close();
    await this.commits.idle();
    await this.flushIndex();
    await this.hardFlush;
    await this.commits.closeJournal();
    if (this.ownsDb) await this.ctx.db.close();
  }

  // ---- LogHost ----

  forget(log: WalLog): void {
    this.logs.delete(log.logId);
    this.commits.forget(log);
  }

  markDirty(log: WalLog): void {
    this.commits.markDirty(log);
  }

  flushIndex(): Promise<void> {
    return this.commits.flushIndex();
  }

  checkpointFor(log: WalLog, segmentBases?: readonly number[]): Promise<void> {
    return this.commits.checkpointFor(log.logId, segmentBases);
  }

  releaseSegments(_log: WalLog, fds: readonly number[]): Promise<void> {
    return this.commits.releaseSegments(fds);
  }

  saveHardState(_log: WalLog, key: Buffer, hs: HardState, sync: boolean): Promise<void> {
    this.pendingHard.set(key.toString('latin1'), { key, value: encodeHardState(hs) });
    if (sync) this.hardSync = true;
    const done = new Promise<void>((resolve, reject) => this.hardWaiters.push({ resolve, reject }));
    if (!this.hardScheduled) {
      this.hardScheduled = true;
      this.hardFlush = new Promise<void>((resolve) => setImmediate(() => void this.flushHardStates().finally(resolve)));
    }
    return done;
  }

  /**
   * One LevelDB batch for every hard state saved in this turn, however many logs: synced when any
   * of them asked for it, else a plain write (in the OS page cache: it survives a process crash).
   */
  private async flushHardStates(): Promise<void> {
    this.hardScheduled = false;
    const writes = [...this.pendingHard.values()];
    const waiters = this.hardWaiters;
    const sync = this.hardSync;
    this.pendingHard = new Map();
    this.hardWaiters = [];
    this.hardSync = false;
    try {
      const ops = writes.map((w) => ({ type: 'put' as const, key: w.key, value: w.value }));
      if (sync) await batchDurable(this.ctx, ops);
      else await this.ctx.db.batch(ops);
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/**
 * Redoes a journal left by a crash (before any log opens), then starts the next journal file if
 * this store journals, and removes the old ones: every byte they held is durable in its segment.
 */
async function startJournal(ctx: StoreContext, opts: WalStoreOptions, preallocateBytes: number): Promise<JournalSettings | undefined> {
  const redo = await redoJournal(ctx.io, opts.dir, ctx.logger);
  const enabled = (opts.journal ?? true) && ctx.fsync === 'always' && !ctx.dsync;
  const journal = enabled ? await Journal.start(ctx.io, journalDir(opts.dir), redo.nextSeq, ctx.logger, preallocateBytes) : undefined;
  for (const path of redo.oldFiles) await ctx.io.unlink(path);
  if (journal === undefined) return undefined;
  return { journal, checkpointBytes: opts.journalCheckpointBytes ?? DEFAULT_JOURNAL_CHECKPOINT_BYTES };
}

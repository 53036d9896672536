/**
 * One WalStore per node: one LevelDB (every log's index, under per-log key prefixes) and a directory
 * of per-log segment directories. It runs the group commit: appends to any of its logs that arrive
 * together are written and fdatasync'd in one round (all logs concurrently), their index keys go in
 * one LevelDB batch, and then every append of the round resolves.
 */
import { ClassicLevel } from 'classic-level';
import type { Logger } from 'pino';
import type { FileIO } from './file-io.js';
import type { HardState } from './entry.js';
import { batchDurable, type StoreContext, type WalBatchOp, type WalDb } from './context.js';
import { NodeFileIO } from './node-file-io.js';
import { WalLog, type LogHost } from './log.js';
import { openLogState } from './log-open.js';
import { logIdOfRegistryKey, logRange, registryKey, registryRange } from './keys.js';
import { encodeHardState } from './meta.js';
import { sanitiseLogId } from './segment-files.js';
import type { RoundResult } from './log-write.js';
import { WalClosedError } from './errors.js';
import { runMigrations } from '../../migrations/index.js';
import { WalBlobs } from './blobs.js';

export const DEFAULT_SEGMENT_BYTES = 128 * 1024 * 1024;
export const DEFAULT_INDEX_INTERVAL_BYTES = 4096;
/** Per log: payload bytes accepted but not yet durable before appends are refused. */
export const DEFAULT_MAX_PENDING_BYTES = 512 * 1024 * 1024;
/** Index ops are written to LevelDB once this many are pending across the store… */
const INDEX_FLUSH_OPS = 4096;
/** …or this long after the first of them, whichever comes first (bounds the catch-up scan on open). */
const INDEX_FLUSH_DELAY_MS = 50;

export interface WalStoreOptions {
  dir: string;
  logger: Logger;
  fileIO?: FileIO;
  /** Inject a LevelDB (e.g. a MemoryLevel for the in-memory mode); it must use buffer keys and values. */
  db?: WalDb;
  /** 'never' is for tests and benchmarks only. */
  fsync?: 'always' | 'never';
  segmentBytes?: number;
  indexIntervalBytes?: number;
  /** Per log bound on bytes waiting for the next sync (appends beyond it reject: WalOverloadedError). */
  maxPendingBytes?: number;
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
  private readonly dirty = new Set<WalLog>();
  private roundScheduled = false;
  private roundsRunning: Promise<void> | undefined;
  private pendingHard = new Map<string, HardStateWrite>();
  private hardWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private hardScheduled = false;
  private hardFlush: Promise<void> | undefined;
  private closed = false;
  private readonly indexDirty = new Set<WalLog>();
  private pendingIndexOps = 0;
  private indexTimer: NodeJS.Timeout | undefined;
  private indexChain: Promise<void> = Promise.resolve();
  /** Small atomic, synced values beside each log's state (see blobs.ts). */
  readonly blobs: WalBlobs;

  private constructor(
    private readonly ctx: StoreContext,
    private readonly dir: string,
    private readonly ownsDb: boolean,
    private readonly defaults: { segmentBytes: number; indexIntervalBytes: number; maxPendingBytes: number },
  ) {
    this.blobs = new WalBlobs(ctx);
  }

  static async open(opts: WalStoreOptions): Promise<WalStore> {
    const io = opts.fileIO ?? new NodeFileIO();
    await io.mkdir(`${opts.dir}/logs`);
    const db: WalDb = opts.db ?? new ClassicLevel<Buffer, Buffer>(`${opts.dir}/index`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    if (db.status !== 'open') await db.open();
    const logger = opts.logger.child({ module: 'wal' });
    const ctx: StoreContext = { db, io, logger, fsync: opts.fsync ?? 'always' };
    try {
      await runMigrations({ db, io, dir: opts.dir, logger });
    } catch (err) {
      if (opts.db === undefined) await db.close();
      throw err;
    }
    return new WalStore(ctx, opts.dir, opts.db === undefined, {
      segmentBytes: opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      indexIntervalBytes: opts.indexIntervalBytes ?? DEFAULT_INDEX_INTERVAL_BYTES,
      maxPendingBytes: opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
    });
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
    await this.ctx.io.rmdir(this.logDir(logId));
    await this.ctx.db.clear(logRange(logId));
    await this.ctx.db.del(registryKey(logId));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const log of [...this.logs.values()]) await log.close();
    await this.roundsRunning;
    await this.flushIndex();
    await this.hardFlush;
    if (this.ownsDb) await this.ctx.db.close();
  }

  // ---- LogHost ----

  forget(log: WalLog): void {
    this.logs.delete(log.logId);
    this.dirty.delete(log);
    this.indexDirty.delete(log);
  }

  markDirty(log: WalLog): void {
    this.dirty.add(log);
    if (this.roundsRunning !== undefined || this.roundScheduled) return;
    this.roundScheduled = true;
    // setImmediate, not a microtask: appends issued in the same turn of the event loop join the round.
    setImmediate(() => {
      this.roundScheduled = false;
      this.roundsRunning = this.runRounds().finally(() => {
        this.roundsRunning = undefined;
        if (this.dirty.size > 0) this.markDirty([...this.dirty][0] as WalLog);
      });
    });
  }

  /** Rounds back to back while logs are dirty: appends made during a round's fsync form the next. */
  private async runRounds(): Promise<void> {
    while (this.dirty.size > 0) await this.round();
  }

  private async round(): Promise<void> {
    const logs = [...this.dirty];
    this.dirty.clear();
    const results = await Promise.all(logs.map((l) => this.writeOne(l)));
    logs.forEach((l, i) => {
      const r = results[i];
      if (r === undefined) return;
      l.completeRound(r);
      this.indexDirty.add(l);
      this.pendingIndexOps += r.ops.length;
    });
    if (this.pendingIndexOps >= INDEX_FLUSH_OPS) await this.flushIndex();
    else if (this.indexDirty.size > 0 && this.indexTimer === undefined) {
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

  private async writeOne(log: WalLog): Promise<RoundResult | undefined> {
    try {
      return await log.writeRound();
    } catch (err) {
      log.fail(err);
      return undefined;
    }
  }

  saveHardState(_log: WalLog, key: Buffer, hs: HardState): Promise<void> {
    this.pendingHard.set(key.toString('latin1'), { key, value: encodeHardState(hs) });
    const done = new Promise<void>((resolve, reject) => this.hardWaiters.push({ resolve, reject }));
    if (!this.hardScheduled) {
      this.hardScheduled = true;
      this.hardFlush = new Promise<void>((resolve) => setImmediate(() => void this.flushHardStates().finally(resolve)));
    }
    return done;
  }

  /** One synced LevelDB batch for every hard state saved in this turn, however many logs. */
  private async flushHardStates(): Promise<void> {
    this.hardScheduled = false;
    const writes = [...this.pendingHard.values()];
    const waiters = this.hardWaiters;
    this.pendingHard = new Map();
    this.hardWaiters = [];
    try {
      await batchDurable(
        this.ctx,
        writes.map((w) => ({ type: 'put' as const, key: w.key, value: w.value })),
      );
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

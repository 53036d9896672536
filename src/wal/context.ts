/** What a log gets from its store: shared resources, passed down (no globals). */
import type { Logger } from 'pino';
import type { FileIO } from './file-io.js';

export type WalBatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface RangeOptions {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  reverse?: boolean;
  limit?: number;
}

/**
 * The part of an abstract-level database the WAL uses (a `ClassicLevel<Buffer, Buffer>` on disk,
 * or a `MemoryLevel<Buffer, Buffer>` in memory), opened with buffer keys and values. Structural, so
 * any abstract-level implementation fits without fighting its generic variance.
 */
export interface WalDb {
  readonly status: string;
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Buffer): Promise<Buffer | undefined>;
  put(key: Buffer, value: Buffer): Promise<void>;
  del(key: Buffer): Promise<void>;
  batch(ops: WalBatchOp[]): Promise<void>;
  iterator(options: RangeOptions): AsyncIterable<[Buffer, Buffer]>;
  keys(options: RangeOptions): AsyncIterable<Buffer>;
  values(options: RangeOptions): AsyncIterable<Buffer>;
  clear(options: RangeOptions): Promise<void>;
}

/** classic-level's write option; other implementations ignore it. */
interface SyncCapable {
  put(key: Buffer, value: Buffer, options: { sync: boolean }): Promise<void>;
  batch(ops: WalBatchOp[], options: { sync: boolean }): Promise<void>;
}

export interface StoreContext {
  db: WalDb;
  io: FileIO;
  logger: Logger;
  fsync: 'always' | 'never';
  /**
   * Segment files are opened O_DSYNC (only with fsync 'always'): a round's write returns once its
   * frames are durable, so a round is one thread-pool trip instead of a write and an fdatasync.
   */
  dsync: boolean;
}

/**
 * Durable LevelDB writes. `sync` is classic-level's option (memory-level ignores it); it is passed
 * through a variable because the abstract option types do not declare it.
 */
export async function putDurable(ctx: Pick<StoreContext, 'db' | 'fsync'>, key: Buffer, value: Buffer): Promise<void> {
  await (ctx.db as WalDb & SyncCapable).put(key, value, { sync: ctx.fsync === 'always' });
}

export async function batchDurable(ctx: Pick<StoreContext, 'db' | 'fsync'>, ops: WalBatchOp[]): Promise<void> {
  await (ctx.db as WalDb & SyncCapable).batch(ops, { sync: ctx.fsync === 'always' });
}

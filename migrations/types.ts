/** A numbered on-disk migration, applied once at start-up, in order (see migrations/index.ts). */
import type { Logger } from 'pino';
import type { FileIO } from '../src/wal/file-io.js';
import type { WalDb } from '../src/wal/context.js';

export interface MigrationContext {
  db: WalDb;
  io: FileIO;
  /** The store's data directory (segments live under `<dir>/logs`). */
  dir: string;
  logger: Logger;
}

export interface Migration {
  /** 1, 2, …: applied in this order, each exactly once (recorded under `!migration`). */
  number: number;
  name: string;
  /** The on-disk format version the data directory has after this migration. */
  formatVersion: number;
  /** Must be idempotent: a crash after `up` but before it is recorded re-runs it. */
  up(ctx: MigrationContext): Promise<void>;
}

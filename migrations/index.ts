/**
 * Runs the numbered migrations in order at start-up. The last applied number and the resulting
 * format version are recorded in LevelDB; a directory from a newer format is refused.
 */
import type { Migration, MigrationContext } from './types.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-snapshots-in-leveldb.js';
import { migration0003 } from './0003-redo-journal.js';
import { migration0004 } from './0004-sparse-index.js';
import { FORMAT_KEY, MIGRATION_KEY } from '../src/wal/keys.js';
import { WalVersionError } from '../src/wal/errors.js';
import { batchDurable } from '../src/wal/context.js';

export type { Migration, MigrationContext } from './types.js';

/** Every migration, in order. Append only; never renumber. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004];

/**
 * The data directory's format (`!format`), which this build reads and writes. It moves with the
 * migrations, apart from the segment format (frame.ts FORMAT_VERSION, in every segment header):
 * format 2 = format-1 segments + local snapshots in LevelDB; format 3 = format 2 + the redo
 * journal; format 4 = format 3 + a sparse offset/timestamp index. An older build refuses a newer
 * directory instead of missing the snapshot its log's deleted prefix depends on, the journaled
 * bytes a crash left out of the segments, or the batches between sparse index keys.
 */
export const DATA_FORMAT_VERSION = 4;

async function readNumber(ctx: MigrationContext, key: Buffer): Promise<number | undefined> {
  const v = await ctx.db.get(key);
  if (v === undefined) return undefined;
  const n = Number(Buffer.from(v).toString('ascii'));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Applies pending migrations; returns the numbers applied now. */
export async function runMigrations(
  ctx: MigrationContext,
  migrations: readonly Migration[] = MIGRATIONS,
  supportedVersion: number = DATA_FORMAT_VERSION,
): Promise<number[]> {
  const found = await readNumber(ctx, FORMAT_KEY);
  if (found !== undefined && found > supportedVersion) throw new WalVersionError(`data directory ${ctx.dir}`, found, supportedVersion);
  const applied = (await readNumber(ctx, MIGRATION_KEY)) ?? 0;
  const ran: number[] = [];
  for (const m of migrations) {
    if (m.number <= applied) continue;
    if (m.formatVersion > supportedVersion) break;
    ctx.logger.info({ migration: m.number, name: m.name }, 'applying on-disk migration');
    await m.up(ctx);
    await batchDurable({ ...ctx, fsync: 'always' }, [
      { type: 'put', key: MIGRATION_KEY, value: Buffer.from(String(m.number)) },
      { type: 'put', key: FORMAT_KEY, value: Buffer.from(String(m.formatVersion)) },
    ]);
    ran.push(m.number);
  }
  return ran;
}

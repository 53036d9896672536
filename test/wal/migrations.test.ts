import { afterEach, describe, expect, it } from 'vitest';
import { ClassicLevel } from 'classic-level';
import { FaultyFileIO, WalStore, WalVersionError } from '../../src/wal/index.js';
import { DATA_FORMAT_VERSION, MIGRATIONS, runMigrations, type Migration } from '../../migrations/index.js';
import { FORMAT_KEY, MIGRATION_KEY } from '../../src/wal/keys.js';
import { logger, memoryDb, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('migrations', () => {
  it('applies every migration once on a fresh directory and records format and migration number', async () => {
    const db = memoryDb();
    await db.open();
    const io = new FaultyFileIO();
    const ctx = { db, io, dir: '/data', logger };
    expect(await runMigrations(ctx)).toEqual([1, 2, 3, 4]);
    expect((await db.get(FORMAT_KEY))?.toString()).toBe(String(DATA_FORMAT_VERSION));
    expect((await db.get(MIGRATION_KEY))?.toString()).toBe('4');
    expect(await runMigrations(ctx)).toEqual([]);
    expect(await io.readdir('/data')).toEqual(['journal', 'logs']);
  });

  it('applies later migrations in order, each once', async () => {
    const db = memoryDb();
    await db.open();
    const ran: number[] = [];
    const later: Migration[] = [101, 102].map((n) => ({ number: n, name: `m${n}`, formatVersion: DATA_FORMAT_VERSION, up: async () => void ran.push(n) }));
    const ctx = { db, io: new FaultyFileIO(), dir: '/data', logger };
    expect(await runMigrations(ctx, [...MIGRATIONS, ...later])).toEqual([...MIGRATIONS.map((m) => m.number), 101, 102]);
    expect(await runMigrations(ctx, [...MIGRATIONS, ...later])).toEqual([]);
    expect(ran).toEqual([101, 102]);
  });

  it('refuses a data directory from a newer format, naming both versions', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const db = new ClassicLevel<Buffer, Buffer>(`${dir}/index`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.put(FORMAT_KEY, Buffer.from('7'));
    await db.close();
    const err = await WalStore.open({ dir, logger }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WalVersionError);
    expect(err).toMatchObject({ foundVersion: 7, supportedVersion: DATA_FORMAT_VERSION });
    expect(String((err as Error).message)).toMatch(new RegExp(`version 7.*supports \\(${DATA_FORMAT_VERSION}\\)`));
    // The refused store released its LevelDB lock: a second attempt fails the same way, not on a lock.
    await expect(WalStore.open({ dir, logger })).rejects.toBeInstanceOf(WalVersionError);
  });

  it('refuses a segment written by a newer format', async () => {
    const io = new FaultyFileIO();
    const db = memoryDb();
    const store = await WalStore.open({ dir: '/data', logger, fileIO: io, db });
    const log = await store.openLog('v');
    const path = log.segments()[0]?.file ?? '';
    await store.close();
    const { encodeSegmentHeader } = await import('../../src/wal/frame.js');
    io.corrupt(path, 0, encodeSegmentHeader(1, 9));
    const store2 = await WalStore.open({ dir: '/data', logger, fileIO: io, db });
    await expect(store2.openLog('v')).rejects.toBeInstanceOf(WalVersionError);
    await store2.close();
  });
});

/**
 * `chronik inspect` on a data dir whose segments lack bytes that only the redo journal holds (power
 * loss after a journaled round): it must judge the segments as opening will see them (the journal's
 * records applied), say what the journal holds, and report a damaged journal as corruption.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FaultyFileIO, WalStore } from '../../src/wal/index.js';
import { JOURNAL_HEADER_BYTES } from '../../src/wal/journal-format.js';
import { entries, logger, memoryDb, tempDir } from './helpers.js';
import { inspect } from '../inspect/io.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Copies every file of the in-memory file system under `from` to the real directory `to`. */
async function materialise(io: FaultyFileIO, from: string, to: string): Promise<void> {
  for (const name of await io.readdir(from)) {
    const path = `${from}/${name}`;
    const bytes = io.contents(path);
    if (bytes === undefined) await materialise(io, path, join(to, name));
    else {
      await mkdir(dirname(join(to, name)), { recursive: true });
      await writeFile(join(to, name), bytes);
    }
  }
}

/** Six journaled rounds over two logs, then power loss: the segments keep only their headers. */
async function crashedDataDir(): Promise<{ io: FaultyFileIO; journal: string }> {
  const io = new FaultyFileIO({ seed: 11 });
  const store = await WalStore.open({ dir: '/d', logger, fileIO: io, db: memoryDb() });
  const logs = [await store.openLog('p.a.0'), await store.openLog('p.b.0')];
  for (let r = 0; r < 6; r++) await Promise.all(logs.map((l) => l.append(entries(l.lastIndex + 1, 2, 1))));
  io.crash({ tear: 'none' });
  const name = (await io.readdir('/d/journal'))[0] ?? '';
  return { io, journal: `/d/journal/${name}` };
}

describe('inspect with a redo journal', () => {
  it('checks segments with the journal applied and shows what it holds', async () => {
    const { io } = await crashedDataDir();
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await materialise(io, '/d', dir);
    const verify = await inspect('verify', dir, '--json');
    expect(verify.code).toBe(0);
    const v = JSON.parse(verify.stdout) as { logs: Array<{ frames: number }>; journal: { records: number; logs: number } };
    expect(v.logs.map((l) => l.frames)).toEqual([12, 12]);
    expect(v.journal).toMatchObject({ records: 12, logs: 2 });
    const segments = await inspect('segments', dir);
    expect(segments.stdout).toMatch(/journal .*: 12 records for 2 logs, \d+ bytes that opening redoes/);
  });

  it('reports a damaged journal record before the last two rounds as corruption', async () => {
    const { io, journal } = await crashedDataDir();
    const at = JOURNAL_HEADER_BYTES + 48 + 'p.a.0'.length + 30;
    io.corrupt(journal, at, Uint8Array.of((io.contents(journal)?.[at] ?? 0) ^ 0x01));
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await materialise(io, '/d', dir);
    const verify = await inspect('verify', dir);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/CORRUPTION: first problem: log \(journal\), segment .*\.jnl, byte 32: .*opening the store refuses/);
  });
});

/**
 * Reading the node's LevelDB without touching it: copy the directory to a temp dir and open the
 * copy. The live node's LOCK is never taken, so this is safe while the node runs.
 *
 * A live LevelDB keeps changing while we copy. CURRENT and the MANIFEST are copied first, so every
 * table and log file they name either is copied afterwards or was deleted by a compaction in
 * between — which shows up as ENOENT, and the whole copy is retried (bounded).
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { InspectReadError } from './errors.js';

const COPY_ATTEMPTS = 5;

export type IndexDb = ClassicLevel<Buffer, Buffer>;

export interface IndexCopy {
  db: IndexDb;
  /** Closes the copy and removes the temp dir. */
  close(): Promise<void>;
}

function copyOrder(name: string): number {
  if (name === 'CURRENT') return 0;
  if (name.startsWith('MANIFEST-')) return 1;
  return 2;
}

async function copyOnce(from: string, to: string): Promise<void> {
  const names = (await readdir(from)).filter((n) => n !== 'LOCK').sort((a, b) => copyOrder(a) - copyOrder(b));
  for (const name of names) await copyFile(join(from, name), join(to, name));
}

async function copyWithRetry(from: string, to: string): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < COPY_ATTEMPTS; attempt++) {
    try {
      // Each attempt starts empty: files of a failed attempt may be obsolete by now.
      await rm(to, { recursive: true, force: true });
      await mkdir(to);
      await copyOnce(from, to);
      return;
    } catch (err) {
      last = err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') break;
    }
  }
  throw new InspectReadError(`cannot copy the LevelDB index ${from}`, { cause: last });
}

export async function openIndexCopy(indexDir: string): Promise<IndexCopy> {
  const tmp = await mkdtemp(join(tmpdir(), 'chronik-inspect-'));
  const remove = (): Promise<void> => rm(tmp, { recursive: true, force: true });
  try {
    await copyWithRetry(indexDir, tmp);
    const db: IndexDb = new ClassicLevel<Buffer, Buffer>(tmp, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
    await db.open();
    return {
      db,
      close: async () => {
        await db.close();
        await remove();
      },
    };
  } catch (err) {
    await remove();
    if (err instanceof InspectReadError) throw err;
    throw new InspectReadError(`cannot open a copy of the LevelDB index ${indexDir}`, { cause: err });
  }
}

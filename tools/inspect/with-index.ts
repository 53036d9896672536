/** Runs `fn` with a read-only copy of the target's LevelDB (or undefined when it has none). */
import { openIndexCopy, type IndexDb } from './leveldb-copy.js';
import type { Target } from './target.js';

export async function withIndex<T>(target: Target, fn: (db: IndexDb | undefined) => Promise<T>): Promise<T> {
  if (target.indexDir === undefined) return fn(undefined);
  const copy = await openIndexCopy(target.indexDir);
  try {
    return await fn(copy.db);
  } finally {
    await copy.close();
  }
}

export function totalBytes(target: Target): number {
  return target.logs.reduce((sum, log) => sum + log.segments.reduce((s, seg) => s + seg.sizeBytes, 0), 0);
}

/**
 * Runs `fn` with a read-only copy of the target's LevelDB (or undefined when it has none).
 *
 * On a live node the order is what keeps the view consistent: the index is copied FIRST and the
 * segment files are listed again afterwards. The WAL writes index keys only after the segment
 * bytes they describe are durable, so segments listed after the copy always cover what the copy
 * names (they may hold more: entries not yet indexed, or a tail still being written).
 */
import { openIndexCopy, type IndexDb } from './leveldb-copy.js';
import { relistTarget, type Target } from './target.js';

export async function withIndex<T>(target: Target, fn: (db: IndexDb | undefined, target: Target) => Promise<T>): Promise<T> {
  if (target.indexDir === undefined) return fn(undefined, target);
  const copy = await openIndexCopy(target.indexDir);
  try {
    return await fn(copy.db, await relistTarget(target));
  } finally {
    await copy.close();
  }
}

export function totalBytes(target: Target): number {
  return target.logs.reduce((sum, log) => sum + log.segments.reduce((s, seg) => s + seg.sizeBytes, 0), 0);
}

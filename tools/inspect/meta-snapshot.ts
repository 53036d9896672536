/**
 * A `__meta` (or any 'raft' group's) snapshot as the node would load it on restart, read without
 * touching the live node: the newest of the local snapshot (a LevelDB blob, read from the index
 * copy), the snapshot installed from a leader (the WAL's snapshot slot, same copy) and — for a data
 * directory not migrated to format 2 yet — the old side file `raft/<logId>.snap`.
 */
import { decodeBlob, blobKey } from '../../src/wal/blobs.js';
import { SNAPSHOT_BLOB } from '../../src/raft/driver/snapshot-store.js';
import { decodeStoredSnapshot, readSnapshotFile, type StoredSnapshot } from '../../src/raft/driver/snapshot-file.js';
import { readLogIndexState } from './index-reader.js';
import type { IndexDb } from './leveldb-copy.js';

export type SnapshotSource = 'leveldb' | 'installed' | 'side-file';

export interface FoundSnapshot extends StoredSnapshot {
  source: SnapshotSource;
}

/** The local snapshot blob of `logId` in the index copy, if any. */
export async function readLocalSnapshotBlob(db: IndexDb, logId: string): Promise<StoredSnapshot | undefined> {
  const value = await db.get(blobKey(logId, SNAPSHOT_BLOB));
  return value === undefined ? undefined : decodeStoredSnapshot(decodeBlob(value, `${logId} snapshot blob`), logId);
}

async function readInstalled(db: IndexDb, logId: string): Promise<StoredSnapshot | undefined> {
  const state = await readLogIndexState(db, logId);
  if (state.meta === undefined || state.meta.snapshotIndex === 0) return undefined;
  const data = await db.get(state.keys.snap);
  return data === undefined ? undefined : { index: state.meta.snapshotIndex, term: state.meta.snapshotTerm, data };
}

export async function readNewestSnapshot(db: IndexDb | undefined, raftDir: string, logId: string): Promise<FoundSnapshot | undefined> {
  const found: FoundSnapshot[] = [];
  const add = (s: StoredSnapshot | undefined, source: SnapshotSource): void => {
    if (s !== undefined && s.index > 0) found.push({ ...s, source });
  };
  if (db !== undefined) {
    add(await readLocalSnapshotBlob(db, logId), 'leveldb');
    add(await readInstalled(db, logId), 'installed');
  }
  add(await readSnapshotFile(raftDir, logId), 'side-file');
  return found.reduce<FoundSnapshot | undefined>((best, s) => (best === undefined || s.index > best.index ? s : best), undefined);
}

import type { WalBlobs } from '../../wal/blobs.js';
import { decodeStoredSnapshot, encodeStoredSnapshot, type StoredSnapshot } from './snapshot-file.js';

/**
 * A 'raft' group's local snapshot (its state machine at an applied index), kept in the node's
 * LevelDB as the log's `snapshot` blob: one synced write, replaced atomically, deleted with the log.
 * The WAL's own snapshot slot is written only by installing a leader's snapshot, which resets the
 * log; this one keeps the log, and the driver deletes the prefix it covers afterwards.
 */
export const SNAPSHOT_BLOB = 'snapshot';

export function saveLocalSnapshot(blobs: WalBlobs, logId: string, s: StoredSnapshot): Promise<void> {
  return blobs.put(logId, SNAPSHOT_BLOB, encodeStoredSnapshot(s));
}

export async function loadLocalSnapshot(blobs: WalBlobs, logId: string): Promise<StoredSnapshot | undefined> {
  const body = await blobs.get(logId, SNAPSHOT_BLOB);
  return body === undefined ? undefined : decodeStoredSnapshot(body, logId);
}

export type { StoredSnapshot };

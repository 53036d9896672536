import { StorageError } from '../../util/errors.js';
import { readSideFile, writeSideFile } from './side-file.js';

/**
 * Local snapshots of 'raft' groups as they were kept before they moved into the WAL store's
 * LevelDB (snapshot-store.ts): a side file `<raftDir>/<logId>.snap`. Migration 0002 moves them;
 * `chronik inspect` still reads them in a data directory that was not migrated yet.
 * Body (the same in both places): index u64 | term u64 | data.
 */
export const SNAPSHOT_FILE_EXT = 'snap';
const TWO_32 = 0x1_0000_0000;
const BODY_HEADER_BYTES = 16;

export interface StoredSnapshot {
  index: number;
  term: number;
  data: Uint8Array;
}

export function encodeStoredSnapshot(s: StoredSnapshot): Buffer {
  const body = Buffer.alloc(BODY_HEADER_BYTES + s.data.byteLength);
  body.writeUInt32BE(Math.floor(s.index / TWO_32), 0);
  body.writeUInt32BE(s.index >>> 0, 4);
  body.writeUInt32BE(Math.floor(s.term / TWO_32), 8);
  body.writeUInt32BE(s.term >>> 0, 12);
  body.set(s.data, BODY_HEADER_BYTES);
  return body;
}

/** `data` is a view into `body`. */
export function decodeStoredSnapshot(body: Buffer, what: string): StoredSnapshot {
  if (body.byteLength < BODY_HEADER_BYTES) throw new StorageError(`snapshot of ${what} is truncated`);
  const index = body.readUInt32BE(0) * TWO_32 + body.readUInt32BE(4);
  const term = body.readUInt32BE(8) * TWO_32 + body.readUInt32BE(12);
  return { index, term, data: body.subarray(BODY_HEADER_BYTES) };
}

export function writeSnapshotFile(dir: string, logId: string, s: StoredSnapshot): Promise<void> {
  return writeSideFile(dir, logId, SNAPSHOT_FILE_EXT, encodeStoredSnapshot(s));
}

export async function readSnapshotFile(dir: string, logId: string): Promise<StoredSnapshot | undefined> {
  const body = await readSideFile(dir, logId, SNAPSHOT_FILE_EXT);
  return body === undefined ? undefined : decodeStoredSnapshot(body, logId);
}

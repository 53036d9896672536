import { StorageError } from '../../util/errors.js';
import { readSideFile, writeSideFile } from './side-file.js';

/**
 * Local snapshots of 'raft' groups: the WAL's snapshot slot is only written by installing one,
 * which resets the log, so the driver keeps its own. Body: index u64 | term u64 | data.
 */
const EXT = 'snap';
const TWO_32 = 0x1_0000_0000;

export interface StoredSnapshot {
  index: number;
  term: number;
  data: Uint8Array;
}

export function writeSnapshotFile(dir: string, logId: string, s: StoredSnapshot): Promise<void> {
  const body = Buffer.alloc(16 + s.data.byteLength);
  body.writeUInt32BE(Math.floor(s.index / TWO_32), 0);
  body.writeUInt32BE(s.index >>> 0, 4);
  body.writeUInt32BE(Math.floor(s.term / TWO_32), 8);
  body.writeUInt32BE(s.term >>> 0, 12);
  body.set(s.data, 16);
  return writeSideFile(dir, logId, EXT, body);
}

export async function readSnapshotFile(dir: string, logId: string): Promise<StoredSnapshot | undefined> {
  const body = await readSideFile(dir, logId, EXT);
  if (body === undefined) return undefined;
  if (body.byteLength < 16) throw new StorageError(`snapshot of ${logId} is truncated`);
  const index = body.readUInt32BE(0) * TWO_32 + body.readUInt32BE(4);
  const term = body.readUInt32BE(8) * TWO_32 + body.readUInt32BE(12);
  return { index, term, data: body.subarray(16) };
}

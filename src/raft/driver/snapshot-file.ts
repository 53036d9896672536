import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import CRC32C from 'crc-32/crc32c.js';
import { sanitiseLogId } from '../../wal/index.js';
import { StorageError } from '../../util/errors.js';

/**
 * Local snapshots of 'raft' groups (the WAL's own snapshot slot is only written by installing one,
 * which resets the log). File: magic u32 | index u64 | term u64 | length u32 | crc32c u32 | data,
 * written to a temp file, fsync'd, renamed over the old one, directory fsync'd.
 */
const MAGIC = 0x4352534e; // "CRSN"
const HEADER_BYTES = 28;
const TWO_32 = 0x1_0000_0000;

export interface StoredSnapshot {
  index: number;
  term: number;
  data: Uint8Array;
}

function path(dir: string, logId: string): string {
  return join(dir, `${sanitiseLogId(logId)}.snap`);
}

function crc(data: Uint8Array): number {
  return CRC32C.buf(data, 0) >>> 0;
}

export async function writeSnapshotFile(dir: string, logId: string, s: StoredSnapshot): Promise<void> {
  await mkdir(dir, { recursive: true });
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(Math.floor(s.index / TWO_32), 4);
  header.writeUInt32BE(s.index >>> 0, 8);
  header.writeUInt32BE(Math.floor(s.term / TWO_32), 12);
  header.writeUInt32BE(s.term >>> 0, 16);
  header.writeUInt32BE(s.data.byteLength, 20);
  header.writeUInt32BE(crc(s.data), 24);
  const final = path(dir, logId);
  const tmp = `${final}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev([header, s.data]);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, final);
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** The stored snapshot, undefined if there is none; a damaged file is a StorageError. */
export async function readSnapshotFile(dir: string, logId: string): Promise<StoredSnapshot | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(path(dir, logId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(`cannot read snapshot of ${logId}`, { cause: err });
  }
  if (buf.byteLength < HEADER_BYTES || buf.readUInt32BE(0) !== MAGIC) throw new StorageError(`snapshot of ${logId}: bad header`);
  const index = buf.readUInt32BE(4) * TWO_32 + buf.readUInt32BE(8);
  const term = buf.readUInt32BE(12) * TWO_32 + buf.readUInt32BE(16);
  const length = buf.readUInt32BE(20);
  const data = buf.subarray(HEADER_BYTES);
  if (data.byteLength !== length || crc(data) !== buf.readUInt32BE(24)) throw new StorageError(`snapshot of ${logId}: bad length or CRC`);
  return { index, term, data };
}

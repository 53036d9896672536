import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import CRC32C from 'crc-32/crc32c.js';
import { sanitiseLogId } from '../../wal/index.js';
import { StorageError } from '../../util/errors.js';

/**
 * The driver's own small per-group files in its data directory (what the WAL has no slot for: the
 * membership and local snapshots). Layout: magic u32 | length u32 | crc32c u32 | body. Written to a
 * temp file, fdatasync'd, renamed over the old one, and the directory fsync'd: a crash leaves the
 * old file or the new one, never a torn one.
 */
const MAGIC = 0x4352_4446; // "CRDF"
const HEADER_BYTES = 12;

export function sideFilePath(dir: string, logId: string, ext: string): string {
  return join(dir, `${sanitiseLogId(logId)}.${ext}`);
}

export async function writeSideFile(dir: string, logId: string, ext: string, body: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true });
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(body.byteLength, 4);
  header.writeUInt32BE(CRC32C.buf(body, 0) >>> 0, 8);
  const final = sideFilePath(dir, logId, ext);
  const tmp = `${final}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev([header, body]);
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

/** The file's body, undefined if there is none; a damaged file is a StorageError. */
export async function readSideFile(dir: string, logId: string, ext: string): Promise<Buffer | undefined> {
  const path = sideFilePath(dir, logId, ext);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(`cannot read ${path}`, { cause: err });
  }
  if (buf.byteLength < HEADER_BYTES || buf.readUInt32BE(0) !== MAGIC) throw new StorageError(`${path}: bad header`);
  const body = buf.subarray(HEADER_BYTES);
  if (body.byteLength !== buf.readUInt32BE(4) || (CRC32C.buf(body, 0) >>> 0) !== buf.readUInt32BE(8)) {
    throw new StorageError(`${path}: bad length or CRC`);
  }
  return body;
}

export async function removeSideFiles(dir: string, logId: string, exts: readonly string[]): Promise<void> {
  for (const ext of exts) await rm(sideFilePath(dir, logId, ext), { force: true });
}

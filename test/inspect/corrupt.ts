/** Byte-level damage to segment files, located with the WAL's own frame decoder. */
import { open, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSegment, sanitiseLogId, type FrameReport } from '../../src/wal/index.js';

export async function segmentPaths(dataDir: string, logId: string): Promise<string[]> {
  const dir = join(dataDir, 'logs', sanitiseLogId(logId));
  return (await readdir(dir)).filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
}

export async function framesOf(segment: string): Promise<FrameReport[]> {
  return decodeSegment(await readFile(segment)).frames;
}

export async function flipByte(path: string, position: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, position);
    b[0] = (b[0] ?? 0) ^ 0x5a;
    await fh.write(b, 0, 1, position);
  } finally {
    await fh.close();
  }
}

export async function overwrite(path: string, position: number, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.write(bytes, 0, bytes.byteLength, position);
  } finally {
    await fh.close();
  }
}

export async function chopTail(path: string, bytes: number): Promise<void> {
  const size = (await readFile(path)).byteLength;
  await truncate(path, size - bytes);
}

export async function appendBytes(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes, { flag: 'a' });
}

/** The middle frame of a segment. */
export async function middleFrame(segment: string): Promise<FrameReport> {
  const frames = await framesOf(segment);
  const f = frames[Math.floor(frames.length / 2)];
  if (f === undefined) throw new Error(`${segment} has no frames`);
  return f;
}

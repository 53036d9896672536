/**
 * Format 2: a Raft group's local snapshot moves from the side file `<dir>/raft/<logId>.snap` into
 * the store's LevelDB, as the log's `snapshot` blob (src/wal/blobs.ts). The snapshot body
 * (index u64 | term u64 | data) is copied verbatim; only its container changes.
 *
 * The side-file format is decoded here, not through the driver, so that this migration keeps
 * reading exactly what format-1 nodes wrote whatever later code does: magic u32 "CRDF" |
 * length u32 | crc32c u32 | body.
 *
 * Idempotent, per file: the blob is written (one synced put) unless LevelDB already holds a
 * snapshot at least as new, and only then is the file unlinked. A crash anywhere re-runs it with
 * the same outcome. A damaged side file stops the migration (and the node) rather than losing the
 * snapshot the log's deleted prefix depends on.
 */
import CRC32C from 'crc-32/crc32c.js';
import type { Migration, MigrationContext } from './types.js';
import { blobKey, decodeBlob, encodeBlob } from '../src/wal/blobs.js';
import { putDurable } from '../src/wal/context.js';
import { logIdOfRegistryKey, registryRange } from '../src/wal/keys.js';
import { sanitiseLogId } from '../src/wal/segment-files.js';
import { StorageError } from '../src/util/errors.js';

const SIDE_MAGIC = 0x4352_4446;
const SIDE_HEADER_BYTES = 12;
const SNAPSHOT_EXT = '.snap';
/** The blob name the driver reads (src/raft/driver/snapshot-store.ts). Frozen with this format. */
const SNAPSHOT_BLOB = 'snapshot';
/** More side files than this in one directory is not a Chronik data directory. */
const MAX_FILES = 1_000_000;

export const migration0002: Migration = {
  number: 2,
  name: 'snapshots-in-leveldb',
  formatVersion: 2,
  async up(ctx) {
    const raftDir = `${ctx.dir}/raft`;
    const names = (await ctx.io.readdir(raftDir)).slice(0, MAX_FILES);
    const logIds = await registeredBySanitisedName(ctx);
    let changed = false;
    for (const name of names) {
      if (name.endsWith(`${SNAPSHOT_EXT}.tmp`)) {
        // An interrupted write: the file it was to replace (if any) is the snapshot.
        await ctx.io.unlink(`${raftDir}/${name}`);
        changed = true;
        continue;
      }
      if (!name.endsWith(SNAPSHOT_EXT)) continue;
      const stem = name.slice(0, -SNAPSHOT_EXT.length);
      await moveOne(ctx, `${raftDir}/${name}`, logIds.get(stem) ?? unsanitise(stem));
      changed = true;
    }
    if (changed) await ctx.io.syncDir(raftDir);
  },
};

async function moveOne(ctx: MigrationContext, path: string, logId: string): Promise<void> {
  const body = decodeSideFile(await readWhole(ctx, path), path);
  if (body.byteLength < 16) throw new StorageError(`${path}: snapshot body is truncated`);
  const key = blobKey(logId, SNAPSHOT_BLOB);
  const existing = await ctx.db.get(key);
  const existingIndex = existing === undefined ? -1 : snapshotIndexOf(decodeBlob(existing, `${logId} snapshot blob`));
  if (existingIndex < snapshotIndexOf(body)) {
    await putDurable({ ...ctx, fsync: 'always' }, key, encodeBlob(body));
    ctx.logger.info({ logId, index: snapshotIndexOf(body), bytes: body.byteLength }, 'moved local snapshot into LevelDB');
  }
  await ctx.io.unlink(path);
}

function snapshotIndexOf(body: Buffer): number {
  return body.readUInt32BE(0) * 0x1_0000_0000 + body.readUInt32BE(4);
}

async function registeredBySanitisedName(ctx: MigrationContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const key of ctx.db.keys({ ...registryRange(), limit: MAX_FILES })) {
    const logId = logIdOfRegistryKey(key);
    out.set(sanitiseLogId(logId), logId);
  }
  return out;
}

/** Inverse of sanitiseLogId, for a side file whose log is not registered. */
function unsanitise(stem: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < stem.length; i++) {
    if (stem[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(stem.slice(i + 1, i + 3))) {
      bytes.push(parseInt(stem.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(stem.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeSideFile(buf: Buffer, path: string): Buffer {
  if (buf.byteLength < SIDE_HEADER_BYTES || buf.readUInt32BE(0) !== SIDE_MAGIC) throw new StorageError(`${path}: bad header`);
  const body = buf.subarray(SIDE_HEADER_BYTES);
  if (body.byteLength !== buf.readUInt32BE(4) || (CRC32C.buf(body, 0) >>> 0) !== buf.readUInt32BE(8)) {
    throw new StorageError(`${path}: bad length or CRC`);
  }
  return body;
}

async function readWhole(ctx: MigrationContext, path: string): Promise<Buffer> {
  const fd = await ctx.io.open(path, { create: false });
  try {
    const size = await ctx.io.size(fd);
    const buf = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const n = await ctx.io.read(fd, buf.subarray(done), done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    await ctx.io.close(fd);
  }
}

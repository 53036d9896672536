/**
 * Small named values kept in the store's LevelDB beside a log's other state (a Raft group's local
 * snapshot, for one). Each put is one synced LevelDB write, so it is atomic: after a crash the old
 * value or the new one is there, never a mix. Blobs live under the log's key prefix, so deleting
 * the log deletes them too.
 *
 * Value: version u8 (1) | crc32c(body) u32 | body. LevelDB checks its own blocks, but a value read
 * from a copied directory (inspect) or damaged outside LevelDB still fails loudly here.
 */
import CRC32C from 'crc-32/crc32c.js';
import { putDurable, batchDurable, type StoreContext } from './context.js';
import { logPrefix } from './keys.js';
import { StorageError } from '../util/errors.js';

const BLOB_VERSION = 1;
const HEADER_BYTES = 5;
/** Larger values belong in a log, not in one LevelDB record. */
export const MAX_BLOB_BYTES = 256 * 1024 * 1024;

/** `l` + log id + 0x00 + `b` + name: sorts inside the log's range, apart from its other keys. */
export function blobKey(logId: string, name: string): Buffer {
  return Buffer.concat([logPrefix(logId), Buffer.from('b'), Buffer.from(name, 'utf8')]);
}

export function encodeBlob(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.byteLength);
  out[0] = BLOB_VERSION;
  out.writeUInt32BE(CRC32C.buf(body, 0) >>> 0, 1);
  out.set(body, HEADER_BYTES);
  return out;
}

/** The body, as a view; a value that is not a sound blob is a StorageError naming `what`. */
export function decodeBlob(value: Uint8Array, what: string): Buffer {
  const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (buf.byteLength < HEADER_BYTES || buf[0] !== BLOB_VERSION) throw new StorageError(`${what}: bad blob header`);
  const body = buf.subarray(HEADER_BYTES);
  if ((CRC32C.buf(body, 0) >>> 0) !== buf.readUInt32BE(1)) throw new StorageError(`${what}: blob CRC mismatch`);
  return body;
}

export class WalBlobs {
  constructor(private readonly ctx: StoreContext) {}

  /** Replaces the blob atomically; resolves once it is durable (synced unless the store never syncs). */
  async put(logId: string, name: string, body: Uint8Array): Promise<void> {
    if (body.byteLength > MAX_BLOB_BYTES) throw new StorageError(`blob ${name} of ${logId}: ${body.byteLength} bytes exceeds ${MAX_BLOB_BYTES}`);
    await putDurable(this.ctx, blobKey(logId, name), encodeBlob(body));
  }

  /** The blob's body, or undefined when there is none. */
  async get(logId: string, name: string): Promise<Buffer | undefined> {
    const value = await this.ctx.db.get(blobKey(logId, name));
    return value === undefined ? undefined : decodeBlob(value, `blob ${name} of ${logId}`);
  }

  async delete(logId: string, name: string): Promise<void> {
    await batchDurable(this.ctx, [{ type: 'del', key: blobKey(logId, name) }]);
  }
}

/** A Buffer view of the same bytes (no copy): WAL entries are Uint8Arrays, batch code wants Buffers. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

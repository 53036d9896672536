import { RaftCodecError } from '../core/index.js';

/**
 * The data of a Raft snapshot as the driver ships and stores it: the state machine's image plus the
 * Kafka "next offset" of partition logs, so a follower that installs it resumes offsets correctly.
 *   version u8 | flags u8 (1 = nextOffset present) | nextOffset u64 | image
 */
const VERSION = 1;
const HEADER_BYTES = 10;
const TWO_32 = 0x1_0000_0000;

export interface SnapshotEnvelope {
  nextOffset: number | undefined;
  image: Uint8Array;
}

export function encodeEnvelope(e: SnapshotEnvelope): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + e.image.byteLength);
  const v = new DataView(out.buffer);
  v.setUint8(0, VERSION);
  v.setUint8(1, e.nextOffset === undefined ? 0 : 1);
  const n = e.nextOffset ?? 0;
  v.setUint32(2, Math.floor(n / TWO_32));
  v.setUint32(6, n >>> 0);
  out.set(e.image, HEADER_BYTES);
  return out;
}

export function decodeEnvelope(data: Uint8Array): SnapshotEnvelope {
  if (data.byteLength < HEADER_BYTES) throw new RaftCodecError('snapshot envelope truncated');
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint8(0) !== VERSION) throw new RaftCodecError(`snapshot envelope version ${v.getUint8(0)}`);
  const flags = v.getUint8(1);
  const n = v.getUint32(2) * TWO_32 + v.getUint32(6);
  return { nextOffset: (flags & 1) !== 0 ? n : undefined, image: data.subarray(HEADER_BYTES) };
}

/**
 * Node-to-node frame codec.
 *
 * Every frame on a node-to-node TCP connection is
 *
 *   offset 0  u32 BE  payloadLength   bytes of payload that follow the 9-byte header
 *   offset 4  u32 BE  crc32c          CRC-32C (Castagnoli) over the kind byte and the payload
 *   offset 8  u8      kind            FrameKind
 *   offset 9  payload                 payloadLength bytes, opaque to the codec
 *
 * The length is checked against the connection's limit before any payload byte is buffered, so a
 * hostile or corrupt length never makes us allocate. The CRC covers the kind byte so that a flipped
 * kind cannot turn a data frame into a control frame.
 *
 * Encoding never copies the payload: it returns the header followed by the caller's buffers, ready
 * for a corked (writev) socket write. Decoding never copies it either: a payload is handed out as
 * the `subarray` views of the received chunks it spans (`FrameParts`; one view when it lies in one
 * chunk). Chunks are never reused, so views stay valid for as long as the receiver keeps them.
 */
import { crc32c } from '../../util/crc32c.js';
import { FrameError } from './errors.js';

export const FRAME_HEADER_BYTES = 9;
/** The length field is a u32; no limit may exceed it. */
export const MAX_FRAME_LIMIT_BYTES = 0xffff_ffff;

export const FrameKind = {
  /** acceptor → dialer, first frame: protocol version and the acceptor's nonce. */
  CHALLENGE: 1,
  /** dialer → acceptor: version, cluster id, both node ids, nonce, proof. */
  HELLO: 2,
  /** acceptor → dialer: the handshake is accepted. */
  WELCOME: 3,
  /** either side: the handshake is refused, with a human-readable reason; the socket then ends. */
  REFUSE: 4,
  /** dialer → acceptor: one opaque payload for the transport's user. */
  DATA: 5,
  /** either side, when idle: proves the connection is alive. */
  HEARTBEAT: 6,
} as const;
export type FrameKindValue = (typeof FrameKind)[keyof typeof FrameKind];

/** The CRC-32C of each possible kind byte alone: every frame's CRC starts from one of these. */
const KIND_CRCS: readonly number[] = Array.from({ length: 256 }, (_, kind) => crc32c(Uint8Array.of(kind)));

/**
 * CRC-32C over the kind byte and the payload parts, computed incrementally (no concatenation).
 * Through src/util/crc32c.ts: parts of 256 bytes and more (packed chunks of a Raft frame, entries)
 * go to the native implementation; pure-JavaScript CRC of every frame on send and on receive was
 * 6–8 % of a node's CPU under replication load.
 */
export function frameCrc(kind: number, parts: readonly Uint8Array[]): number {
  let crc = KIND_CRCS[kind & 0xff] as number;
  for (const part of parts) crc = crc32c(part, crc);
  return crc;
}

export function payloadBytes(parts: readonly Uint8Array[]): number {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  return total;
}

/** Header + the caller's payload buffers, for one corked write. The payload is not copied. */
export function encodeFrame(kind: FrameKindValue, parts: readonly Uint8Array[]): Uint8Array[] {
  const length = payloadBytes(parts);
  if (length > MAX_FRAME_LIMIT_BYTES) throw new FrameError('oversize', `frame of ${length} bytes exceeds u32`);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  header.writeUInt32BE(frameCrc(kind, parts), 4);
  header.writeUInt8(kind, 8);
  return [header, ...parts];
}

/**
 * A received frame's payload: the views of the chunks it arrived in, in order (none for an empty
 * payload). Large frames span several socket reads; readers that can work on runs (the Raft frame
 * decoder) never join them.
 */
export type FrameParts = readonly Buffer[];

/** The payload as one buffer: the view itself when it arrived in one chunk, else a copy. */
export function joinParts(parts: FrameParts): Buffer {
  if (parts.length === 1) return parts[0] as Buffer;
  return Buffer.concat(parts);
}

export type FrameSink = (kind: FrameKindValue, parts: FrameParts) => void;

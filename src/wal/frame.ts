/**
 * The on-disk byte layout of WAL segments (see docs/wal-format.md). Pure functions only: the log,
 * recovery and `chronik inspect` all decode through here, so the format has one definition.
 */
import { crc32c, crc32cRange } from '../util/crc32c.js';
import { CRC32C_COMBINE_MIN_BYTES, crc32cCombine } from '../util/crc32c-combine.js';
import { BATCH_CRC_FROM, storedBatchCrc } from './kafka-batch.js';
import { EntryType } from './entry.js';

export { crc32c };

/** Current on-disk format version; written in every segment header and recorded in LevelDB. */
export const FORMAT_VERSION = 1;

/** "CHRW" — Chronik WAL — at the start of every segment file. */
export const SEGMENT_MAGIC = 0x43485257;
export const SEGMENT_HEADER_BYTES = 24;

/** First byte of every frame; a zeroed or garbage region fails this check immediately. */
export const FRAME_MAGIC = 0xc7;
export const FRAME_HEADER_BYTES = 28;
/** Payload length a sane frame may declare; beyond it the header is treated as garbage. */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024;

const TWO_32 = 0x1_0000_0000;

export interface SegmentHeader {
  magic: number;
  version: number;
  headerBytes: number;
  baseIndex: number;
  crc: number;
  crcOk: boolean;
}

export interface FrameHeader {
  magic: number;
  version: number;
  type: number;
  flags: number;
  length: number;
  index: number;
  term: number;
  crc: number;
}

/**
 * Plain byte stores and loads, no DataView: these run for every index key and value (a DataView
 * per call was 4 % of the CPU of 1 KiB appends).
 */
export function writeU64(buf: Uint8Array, at: number, value: number): void {
  putU32(buf, at, Math.floor(value / TWO_32));
  putU32(buf, at + 4, value >>> 0);
}

export function readU64(buf: Uint8Array, at: number): number {
  return getU32(buf, at) * TWO_32 + getU32(buf, at + 4);
}

function getU32(buf: Uint8Array, at: number): number {
  return (((buf[at] ?? 0) << 24) | ((buf[at + 1] ?? 0) << 16) | ((buf[at + 2] ?? 0) << 8) | (buf[at + 3] ?? 0)) >>> 0;
}

/**
 * The header layout of every WAL file (segments, the redo journal): magic (4), version (2), header
 * length (2), a u64 (8: a segment's base index, a journal's sequence number), reserved zeros, and
 * a CRC-32C of everything before it in the last 4 bytes.
 */
export function encodeFileHeader(magic: number, version: number, headerBytes: number, n: number): Uint8Array {
  const buf = new Uint8Array(headerBytes);
  const view = new DataView(buf.buffer);
  view.setUint32(0, magic);
  view.setUint16(4, version);
  view.setUint16(6, headerBytes);
  writeU64(buf, 8, n);
  view.setUint32(headerBytes - 4, crc32c(buf.subarray(0, headerBytes - 4)));
  return buf;
}

export function encodeSegmentHeader(baseIndex: number, version = FORMAT_VERSION): Uint8Array {
  return encodeFileHeader(SEGMENT_MAGIC, version, SEGMENT_HEADER_BYTES, baseIndex);
}

/** Decodes a segment file header; undefined when fewer than SEGMENT_HEADER_BYTES are present. */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader | undefined {
  if (bytes.byteLength < SEGMENT_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  const crc = view.getUint32(20);
  return {
    magic: view.getUint32(0),
    version: view.getUint16(4),
    headerBytes: view.getUint16(6),
    baseIndex: readU64(bytes, 8),
    crc,
    crcOk: crc32c(bytes.subarray(0, 20)) === crc,
  };
}

export function segmentHeaderValid(h: SegmentHeader): boolean {
  return h.crcOk && h.magic === SEGMENT_MAGIC && h.headerBytes === SEGMENT_HEADER_BYTES;
}

/**
 * Fills `out[at..at+28]` with a frame header for `payload`. The payload is not copied: writers put
 * this header and the payload side by side in a writev list. Plain byte stores, no DataView: this
 * runs once per appended entry.
 */
export function encodeFrameHeaderInto(
  out: Uint8Array,
  at: number,
  entry: { index: number; term: number; type: number; data: Uint8Array },
): void {
  encodeFrameFieldsInto(out, at, entry);
  putFrameCrc(out, at, entry);
}

/** The header's fields without its CRC: bytes at+24..at+28 are left as they are (see putFrameCrc). */
export function encodeFrameFieldsInto(
  out: Uint8Array,
  at: number,
  entry: { index: number; term: number; type: number; data: Uint8Array },
): void {
  out[at] = FRAME_MAGIC;
  out[at + 1] = FORMAT_VERSION;
  out[at + 2] = entry.type;
  out[at + 3] = 0;
  putU32(out, at + 4, entry.data.byteLength);
  putU32(out, at + 8, Math.floor(entry.index / TWO_32));
  putU32(out, at + 12, entry.index >>> 0);
  putU32(out, at + 16, Math.floor(entry.term / TWO_32));
  putU32(out, at + 20, entry.term >>> 0);
}

/** Sets the CRC of a header whose fields are in place: over its first 24 bytes, then the payload. */
export function putFrameCrc(out: Uint8Array, at: number, entry: { type: number; data: Uint8Array }): void {
  const headerCrc = crc32cRange(out, at, at + 24);
  const derived = derivedFrameCrc(headerCrc, entry);
  putU32(out, at + 24, derived ?? crc32c(entry.data, headerCrc));
}

/**
 * The frame CRC of a Kafka record batch without a pass over its bytes: the batch stores the
 * CRC-32C of its bytes 21..end, so crc(header[0..24] ++ data) = combine(crc(data[0..21], seed =
 * crc(header[0..24])), storedCrc, len - 21). The value is the one a direct CRC gives, so nothing on
 * disk changes, provided the stored CRC is right (produce verifies it before proposing; followers
 * get the bytes through the CRC-checked transport). A wrong stored CRC yields a frame that fails
 * its own check wherever it is read (docs/wal-format.md, "Frame CRC of a Kafka batch").
 * Undefined when the entry is not a type-2 batch, too small for the combine to pay, or not exactly
 * one magic-2 batch.
 */
export function derivedFrameCrc(headerCrc: number, entry: { type: number; data: Uint8Array }): number | undefined {
  const stored = derivableBatchCrc(entry);
  if (stored === undefined) return undefined;
  const data = entry.data;
  return crc32cCombine(crc32cRange(data, 0, BATCH_CRC_FROM, headerCrc), stored, data.byteLength - BATCH_CRC_FROM);
}

/** The stored batch CRC a frame CRC is derived from (see derivedFrameCrc), if it is. */
function derivableBatchCrc(entry: { type: number; data: Uint8Array }): number | undefined {
  if (entry.type !== EntryType.KAFKA_BATCH || entry.data.byteLength < CRC32C_COMBINE_MIN_BYTES) return undefined;
  return storedBatchCrc(entry.data);
}

/** Whether the entry's frame CRC is derived from its stored batch CRC (no pass over the payload). */
export function frameCrcDerived(entry: { type: number; data: Uint8Array }): boolean {
  return derivableBatchCrc(entry) !== undefined;
}

function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = v >>> 16;
  out[at + 2] = v >>> 8;
  out[at + 3] = v;
}

export function encodeFrameHeader(entry: { index: number; term: number; type: number; data: Uint8Array }): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES);
  encodeFrameHeaderInto(out, 0, entry);
  return out;
}

/** Decodes the fixed header at `bytes[at..]`; undefined when fewer than 28 bytes remain. */
export function decodeFrameHeader(bytes: Uint8Array, at: number): FrameHeader | undefined {
  if (bytes.byteLength - at < FRAME_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, FRAME_HEADER_BYTES);
  return {
    magic: view.getUint8(0),
    version: view.getUint8(1),
    type: view.getUint8(2),
    flags: view.getUint8(3),
    length: view.getUint32(4),
    index: readU64(bytes, at + 8),
    term: readU64(bytes, at + 16),
    crc: view.getUint32(24),
  };
}

/** A header is plausible when its fixed fields are what this version writes. */
export function frameHeaderSane(h: FrameHeader): boolean {
  return (
    h.magic === FRAME_MAGIC &&
    h.version >= 1 &&
    h.version <= FORMAT_VERSION &&
    h.flags === 0 &&
    h.length <= MAX_FRAME_PAYLOAD_BYTES
  );
}

/** CRC-32C over header bytes 0..24 and then the payload. */
export function computeFrameCrc(bytes: Uint8Array, at: number, length: number): number {
  const headerCrc = crc32c(bytes.subarray(at, at + 24));
  const start = at + FRAME_HEADER_BYTES;
  return crc32c(bytes.subarray(start, start + length), headerCrc);
}

export type FrameCheck =
  | { kind: 'ok'; header: FrameHeader }
  | { kind: 'short-header' }
  | { kind: 'bad-header'; header: FrameHeader }
  | { kind: 'short-payload'; header: FrameHeader }
  | { kind: 'bad-crc'; header: FrameHeader; actualCrc: number };

/** Classifies the frame at `bytes[at..]` (bytes ends where the file ends). */
export function checkFrame(bytes: Uint8Array, at: number): FrameCheck {
  const header = decodeFrameHeader(bytes, at);
  if (header === undefined) return { kind: 'short-header' };
  if (!frameHeaderSane(header)) return { kind: 'bad-header', header };
  if (at + FRAME_HEADER_BYTES + header.length > bytes.byteLength) return { kind: 'short-payload', header };
  const actualCrc = computeFrameCrc(bytes, at, header.length);
  if (actualCrc !== header.crc) return { kind: 'bad-crc', header, actualCrc };
  return { kind: 'ok', header };
}

/** One frame as `chronik inspect` reports it. */
export interface FrameReport {
  position: number;
  index: number;
  term: number;
  type: number;
  length: number;
  /** 'ok', or why the frame is not trustworthy. */
  status: 'ok' | 'bad-crc' | 'bad-header' | 'truncated';
  expectedCrc: number;
  actualCrc: number | undefined;
}

export interface SegmentReport {
  header: SegmentHeader | undefined;
  headerOk: boolean;
  frames: FrameReport[];
  /** Where decoding stopped, and whether that is the end of the bytes. */
  endPosition: number;
  complete: boolean;
}

function reportOf(position: number, check: FrameCheck): FrameReport | undefined {
  if (check.kind === 'short-header') return undefined;
  const h = check.header;
  const status = check.kind === 'ok' ? 'ok' : check.kind === 'short-payload' ? 'truncated' : check.kind;
  const actualCrc = check.kind === 'ok' ? h.crc : check.kind === 'bad-crc' ? check.actualCrc : undefined;
  return { position, index: h.index, term: h.term, type: h.type, length: h.length, status, expectedCrc: h.crc, actualCrc };
}

/**
 * Decodes a whole segment file's bytes frame by frame for inspection. It continues past a bad CRC
 * (the length field is still trusted when the header is sane and the frame fits), and stops at a
 * bad header or a truncated frame, because after those the next frame boundary is unknown.
 */
export function decodeSegment(bytes: Uint8Array, maxFrames = Number.MAX_SAFE_INTEGER): SegmentReport {
  const header = decodeSegmentHeader(bytes);
  const headerOk = header !== undefined && segmentHeaderValid(header);
  const frames: FrameReport[] = [];
  let at = SEGMENT_HEADER_BYTES;
  while (at < bytes.byteLength && frames.length < maxFrames) {
    const check = checkFrame(bytes, at);
    const report = reportOf(at, check);
    if (report === undefined) break;
    frames.push(report);
    if (check.kind !== 'ok' && check.kind !== 'bad-crc') break;
    at += FRAME_HEADER_BYTES + check.header.length;
  }
  const complete = at >= bytes.byteLength;
  return { header, headerOk, frames, endPosition: at, complete };
}

/** A WAL file named by a number, zero-padded to 20 digits (Kafka style), and an extension. */
export function numberedFileName(n: number, ext: string): string {
  return `${String(n).padStart(20, '0')}.${ext}`;
}

/** The number in a `numberedFileName` with this extension, or undefined for other files. */
export function parseNumberedFileName(name: string, ext: string): number | undefined {
  if (name.length !== 21 + ext.length || !name.endsWith(`.${ext}`)) return undefined;
  const digits = name.slice(0, 20);
  if (!/^\d{20}$/.test(digits)) return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Segment file name: the first index, zero-padded to 20 digits (Kafka style). */
export function segmentFileName(baseIndex: number): string {
  return numberedFileName(baseIndex, 'log');
}

/** The base index encoded in a segment file name, or undefined for other files. */
export function parseSegmentFileName(name: string): number | undefined {
  return parseNumberedFileName(name, 'log');
}

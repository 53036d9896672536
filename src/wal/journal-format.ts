/**
 * The byte layout of the node-wide redo journal (docs/wal-format.md, "The redo journal"). Pure
 * functions only: the writer, recovery and `chronik inspect` all decode through here.
 *
 * A record's header is CRC-32C'd; its data is not CRC'd again: it is exactly the frames the round
 * wrote into a segment, each carrying its own CRC, so checking them (checkFrame) validates the data
 * without adding a checksum pass over every journaled byte on the write path.
 */
import { checkFrame, crc32c, encodeFileHeader, FRAME_HEADER_BYTES, numberedFileName, parseNumberedFileName, readU64, writeU64 } from './frame.js';

/** "CHRJ" — Chronik redo journal — at the start of every journal file. */
export const JOURNAL_MAGIC = 0x4348524a;
export const JOURNAL_VERSION = 1;
export const JOURNAL_HEADER_BYTES = 32;

/** First byte of every record. */
export const RECORD_MAGIC = 0xd7;
/** Fixed part of a record header; the log id's UTF-8 bytes follow it. */
export const RECORD_FIXED_BYTES = 48;
/** Bound on a log id's UTF-8 length in a record (sanity check of a header). */
export const MAX_LOG_ID_BYTES = 4096;

export interface JournalHeader {
  magic: number;
  version: number;
  headerBytes: number;
  seq: number;
  crcOk: boolean;
}

export interface RecordHeader {
  /** Round number within this journal file (from 1). */
  round: number;
  /** This record's number within its round (from 0), and how many the round has. */
  recordInRound: number;
  recordsInRound: number;
  logId: string;
  segmentBase: number;
  /** Byte position in the segment file where the data goes. */
  position: number;
  dataBytes: number;
}

/** Journal file name: its sequence number, zero-padded to 20 digits. */
export function journalFileName(seq: number): string {
  return numberedFileName(seq, 'jnl');
}

export function parseJournalFileName(name: string): number | undefined {
  return parseNumberedFileName(name, 'jnl');
}

export function encodeJournalHeader(seq: number, version = JOURNAL_VERSION): Uint8Array {
  return encodeFileHeader(JOURNAL_MAGIC, version, JOURNAL_HEADER_BYTES, seq);
}

/** undefined when fewer than JOURNAL_HEADER_BYTES are present. */
export function decodeJournalHeader(bytes: Uint8Array): JournalHeader | undefined {
  if (bytes.byteLength < JOURNAL_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, JOURNAL_HEADER_BYTES);
  return {
    magic: view.getUint32(0),
    version: view.getUint16(4),
    headerBytes: view.getUint16(6),
    seq: readU64(bytes, 8),
    crcOk: crc32c(bytes.subarray(0, 28)) === view.getUint32(28),
  };
}

export function journalHeaderValid(h: JournalHeader): boolean {
  return h.crcOk && h.magic === JOURNAL_MAGIC && h.headerBytes === JOURNAL_HEADER_BYTES;
}

/**
 * A record header (fixed part + log id bytes), CRC-32C over all of it but the CRC field. The data
 * goes after it in the same writev, as the very buffers the round wrote into the segment.
 */
export function encodeRecordHeader(r: RecordHeader, logIdBytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(RECORD_FIXED_BYTES + logIdBytes.byteLength);
  const view = new DataView(buf.buffer);
  buf[0] = RECORD_MAGIC;
  buf[1] = JOURNAL_VERSION;
  view.setUint16(2, logIdBytes.byteLength);
  view.setUint32(4, r.dataBytes);
  writeU64(buf, 8, r.round);
  view.setUint32(16, r.recordInRound);
  view.setUint32(20, r.recordsInRound);
  writeU64(buf, 24, r.segmentBase);
  writeU64(buf, 32, r.position);
  // bytes 40..44 reserved (zero)
  buf.set(logIdBytes, RECORD_FIXED_BYTES);
  view.setUint32(44, recordHeaderCrc(buf, 0, logIdBytes.byteLength));
  return buf;
}

function recordHeaderCrc(bytes: Uint8Array, at: number, idBytes: number): number {
  const fixed = crc32c(bytes.subarray(at, at + 44));
  return crc32c(bytes.subarray(at + RECORD_FIXED_BYTES, at + RECORD_FIXED_BYTES + idBytes), fixed);
}

export type RecordCheck =
  | { kind: 'ok'; header: RecordHeader; dataAt: number; end: number }
  | { kind: 'bad'; reason: string };

/**
 * Classifies the record at `bytes[at..]` (bytes end where the file ends): ok only when the header is
 * sane and CRC-valid and the data is back-to-back CRC-valid frames filling exactly its length.
 */
export function checkRecord(bytes: Uint8Array, at: number): RecordCheck {
  if (bytes.byteLength - at < RECORD_FIXED_BYTES) return { kind: 'bad', reason: 'truncated record header' };
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, RECORD_FIXED_BYTES);
  const idBytes = view.getUint16(2);
  if (bytes[at] !== RECORD_MAGIC || bytes[at + 1] !== JOURNAL_VERSION || idBytes === 0 || idBytes > MAX_LOG_ID_BYTES) {
    return { kind: 'bad', reason: 'bad record header' };
  }
  const dataAt = at + RECORD_FIXED_BYTES + idBytes;
  const dataBytes = view.getUint32(4);
  if (dataAt > bytes.byteLength) return { kind: 'bad', reason: 'truncated record header' };
  if (recordHeaderCrc(bytes, at, idBytes) !== view.getUint32(44)) return { kind: 'bad', reason: 'record header CRC mismatch' };
  const end = dataAt + dataBytes;
  if (end > bytes.byteLength) return { kind: 'bad', reason: 'truncated record data' };
  const framesBad = checkFrames(bytes.subarray(dataAt, end));
  if (framesBad !== undefined) return { kind: 'bad', reason: framesBad };
  const header: RecordHeader = {
    round: readU64(bytes, at + 8),
    recordInRound: view.getUint32(16),
    recordsInRound: view.getUint32(20),
    logId: Buffer.from(bytes.buffer, bytes.byteOffset + at + RECORD_FIXED_BYTES, idBytes).toString('utf8'),
    segmentBase: readU64(bytes, at + 24),
    position: readU64(bytes, at + 32),
    dataBytes,
  };
  return { kind: 'ok', header, dataAt, end };
}

/** Why `data` is not a run of whole, CRC-valid frames; undefined when it is. Bounded by its length. */
function checkFrames(data: Uint8Array): string | undefined {
  if (data.byteLength === 0) return 'record without data';
  let p = 0;
  while (p < data.byteLength) {
    const c = checkFrame(data, p);
    if (c.kind !== 'ok') return `record data holds a ${c.kind} frame at byte ${p} of it`;
    p += FRAME_HEADER_BYTES + c.header.length;
  }
  return undefined;
}

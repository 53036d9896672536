/**
 * Walking a segment's frames past corruption. Each frame is classified by the WAL's own checkFrame;
 * this module only decides where the next frame starts: after a good frame, after a bad-CRC frame
 * whose length leads to another frame, or else at the next byte where a CRC-valid frame begins
 * (the WAL recovery's findValidFrameAfter) — so one damaged region does not hide the rest.
 */
import { checkFrame, FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES, type FrameCheck, type FrameHeader } from '../../src/wal/frame.js';
import { findValidFrameAfter } from '../../src/wal/recovery.js';
import { zeroSuffixStart } from '../../src/wal/torn-tail.js';

export interface WalkedFrame {
  position: number;
  header: FrameHeader;
  crcOk: boolean;
  /** Computed CRC (equals header.crc when crcOk). */
  actualCrc: number;
  /** View into the segment bytes. */
  payload: Uint8Array;
}

export interface Damage {
  position: number;
  reason: 'bad-header' | 'short-header' | 'truncated' | 'bad-crc';
  /** The header found there, when one could be decoded. */
  header: FrameHeader | undefined;
  actualCrc: number | undefined;
  /** Where decoding resumes (see resumeAfter; may be the end of the bytes); undefined when nothing decodable follows. */
  resumeAt: number | undefined;
  /** A CRC-valid frame follows somewhere after it in this segment (the recovery table's test). */
  validFrameAfter: boolean;
}

export interface WalkVisitor {
  /** Return false to stop walking. */
  frame(f: WalkedFrame): boolean;
  /** A bad-CRC frame is reported both as damage and (when its length is plausible) as a frame. */
  damage(d: Damage): boolean;
  /**
   * The last segment of a log ends in `bytes` zeros at `position`: a sparse preallocation
   * (recovery row 14), the log's end and not damage. The walk stops there.
   */
  preallocated?(position: number, bytes: number): void;
}

/** A frame boundary: the end of the file, or a sane header whose frame fits (its CRC may be bad). */
function isBoundary(bytes: Uint8Array, at: number): boolean {
  if (at === bytes.byteLength) return true;
  const kind = checkFrame(bytes, at).kind;
  return kind === 'ok' || kind === 'bad-crc';
}

/**
 * Where to continue after the damaged frame at `at`: the next CRC-valid frame, or the end its
 * length field claims when a frame (even one with a bad CRC) starts there and no valid frame
 * starts before it. The nearer wins, so a corrupted length can never make the walk skip intact
 * frames, and consecutive bad-CRC frames are each reported.
 */
function resumeAfter(bytes: Uint8Array, at: number, check: FrameCheck): { resumeAt: number | undefined; validFrameAfter: boolean } {
  const next = findValidFrameAfter(bytes, at + 1);
  const validFrameAfter = next !== undefined;
  if (check.kind !== 'bad-crc') return { resumeAt: next, validFrameAfter };
  const end = at + FRAME_HEADER_BYTES + check.header.length;
  if (isBoundary(bytes, end) && (next === undefined || next >= end)) return { resumeAt: end, validFrameAfter };
  return { resumeAt: next, validFrameAfter };
}

function damageOf(bytes: Uint8Array, at: number, check: Exclude<FrameCheck, { kind: 'ok' }>): Damage {
  const header = check.kind === 'short-header' ? undefined : check.header;
  const reason = check.kind === 'short-payload' ? 'truncated' : check.kind;
  const actualCrc = check.kind === 'bad-crc' ? check.actualCrc : undefined;
  return { position: at, reason, header, actualCrc, ...resumeAfter(bytes, at, check) };
}

function payloadOf(bytes: Uint8Array, at: number, length: number): Uint8Array {
  return bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
}

/**
 * Visits every frame of a segment's bytes from `start`. Bounded: each step moves forward by at
 * least one byte, so the walk ends within the segment's length. In a log's last segment
 * (`lastSegment`) an all-zero suffix is reported to `visitor.preallocated`, not as damage; in any
 * other segment it is damage, as the WAL's recovery judges it (row 6).
 */
export function walkFrames(bytes: Uint8Array, visitor: WalkVisitor, start = SEGMENT_HEADER_BYTES, lastSegment = false): void {
  let at = start;
  // Computed at the first damage only, once for all of them (a backward pass over the suffix).
  let zeroStart: number | undefined;
  while (at < bytes.byteLength) {
    const check = checkFrame(bytes, at);
    if (check.kind === 'ok') {
      const payload = payloadOf(bytes, at, check.header.length);
      if (!visitor.frame({ position: at, header: check.header, crcOk: true, actualCrc: check.header.crc, payload })) return;
      at += FRAME_HEADER_BYTES + check.header.length;
      continue;
    }
    zeroStart ??= lastSegment ? zeroSuffixStart(bytes) : bytes.byteLength;
    if (zeroStart <= at) {
      visitor.preallocated?.(at, bytes.byteLength - at);
      return;
    }
    const damage = damageOf(bytes, at, check);
    if (!visitor.damage(damage)) return;
    if (check.kind === 'bad-crc' && damage.resumeAt === at + FRAME_HEADER_BYTES + check.header.length) {
      const payload = payloadOf(bytes, at, check.header.length);
      if (!visitor.frame({ position: at, header: check.header, crcOk: false, actualCrc: check.actualCrc, payload })) return;
    }
    if (damage.resumeAt === undefined) return;
    at = damage.resumeAt;
  }
}

/**
 * The torn-tail window (recovery table row 13): how far from the end of the last segment a bad
 * frame may lie and still be a write that no fdatasync covered.
 *
 * Why a window exists at all: the store pipelines sync rounds, so round N+1 is written while round
 * N's fdatasync runs, and each round may span many pages. On power loss the kernel may have written
 * back any subset of those unsynced pages, in any order, so the tail can hold a zeroed or torn frame
 * FOLLOWED by CRC-valid frames. Every byte of that region lies in the last two rounds (at most two
 * are unsynced at once, and a round that rolls to a new segment fdatasyncs the old one first), so a
 * bad frame farther from the end than two rounds was covered by a completed fdatasync: that is
 * corruption, never a torn write, whatever the index marker says.
 */
import { checkFrame, FRAME_HEADER_BYTES, FRAME_MAGIC, frameHeaderSane, type FrameCheck } from './frame.js';

/**
 * A round takes `maxRoundBytes` of PAYLOAD (or one larger entry); frame headers come on top.
 * Doubling covers the 28-byte headers of entries of 28 bytes and more (a Kafka record batch is at
 * least 61); a saturated round of tinier entries can exceed it, and is then refused as corruption
 * (the safe direction). Counting header bytes in the round bound would make this exact.
 */
const HEADER_SLACK_NUM = 2;
const HEADER_SLACK_DEN = 1;

/** Bytes from a bad frame to the end of the segment within which it may be a torn write. */
export function tornTailWindowBytes(maxRoundBytes: number, largestPayloadBytes: number): number {
  const round = Math.max(maxRoundBytes, largestPayloadBytes);
  return 2 * (Math.ceil((round * HEADER_SLACK_NUM) / HEADER_SLACK_DEN) + FRAME_HEADER_BYTES);
}

/** CRC-valid frames found after a bad one: they were never acknowledged if the tail is cut there. */
export interface DiscardedFrames {
  frames: number;
  firstIndex: number;
  lastIndex: number;
  /** Largest payload among them (sizes the window: one entry larger than a round is its own round). */
  largestPayloadBytes: number;
  /** Where the last of them ends. */
  endPosition: number;
}

/**
 * Walks every CRC-valid frame in `bytes` after `from` (resynchronising byte by byte over damage,
 * as findValidFrameAfter does) that starts before `startsBefore` (default: anywhere; a caller that
 * knows where the all-zero suffix begins passes that, since no frame starts in it, and skips the
 * byte-by-byte walk over a preallocation's megabytes of zeros). Bounded: each step moves forward.
 */
export function validFramesAfter(bytes: Uint8Array, from: number, startsBefore = bytes.byteLength): DiscardedFrames | undefined {
  let found: DiscardedFrames | undefined;
  const lastStart = Math.min(bytes.byteLength - FRAME_HEADER_BYTES, startsBefore - 1);
  let p = from;
  while (p <= lastStart) {
    const check = bytes[p] === FRAME_MAGIC ? checkFrame(bytes, p) : undefined;
    if (check?.kind !== 'ok') {
      p++;
      continue;
    }
    const h = check.header;
    found =
      found === undefined
        ? { frames: 1, firstIndex: h.index, lastIndex: h.index, largestPayloadBytes: h.length, endPosition: 0 }
        : {
            frames: found.frames + 1,
            firstIndex: Math.min(found.firstIndex, h.index),
            lastIndex: Math.max(found.lastIndex, h.index),
            largestPayloadBytes: Math.max(found.largestPayloadBytes, h.length),
            endPosition: 0,
          };
    p += FRAME_HEADER_BYTES + h.length;
    found.endPosition = p;
  }
  return found;
}

/** The payload length a bad frame's own header declares, when that header is sane (0 otherwise). */
export function declaredPayloadBytes(check: FrameCheck): number {
  if (check.kind === 'short-header' || check.kind === 'bad-header') return 0;
  return frameHeaderSane(check.header) ? check.header.length : 0;
}

/**
 * Where the all-zero suffix of `bytes` starts (bytes.byteLength when the last byte is not zero).
 * A preallocated segment ends in a hole of zeros (prealloc.ts); no frame starts with a zero byte
 * (FRAME_MAGIC), so recovery can tell where the frames end without the file's size. Bounded: one
 * backward pass over the suffix.
 */
export function zeroSuffixStart(bytes: Uint8Array): number {
  let p = bytes.byteLength;
  while (p > 0 && bytes[p - 1] === 0) p--;
  return p;
}

/**
 * Where the written part of a segment ends, for sizing the torn-tail window of a bad frame at
 * `at`: past the last valid frame after it and past any non-zero byte, but not into the hole a
 * preallocation left (that many megabytes of zeros are not two rounds of writes).
 */
export function writtenEnd(at: number, zeroStart: number, discarded: DiscardedFrames | undefined): number {
  return Math.max(at, zeroStart, discarded?.endPosition ?? 0);
}

/**
 * Validating a segment's frames on open: the recovery decision table of docs/wal-format.md, as
 * code. Pure: it gets the segment's bytes and reports frames, a cut, or corruption.
 */
import { checkFrame, FRAME_HEADER_BYTES, FRAME_MAGIC, type FrameHeader } from './frame.js';
import { declaredPayloadBytes, tornTailWindowBytes, validFramesAfter, writtenEnd, zeroSuffixStart, type DiscardedFrames } from './torn-tail.js';

/** What to do with a bad frame, by where it is (rows 2–7, 12 and 13 of the table). */
export type RecoveryDecision = 'accept' | 'cut-tail' | 'corrupt';

/**
 * Where a frame lies relative to the durable mark (the index marker: everything before it was
 * covered by a completed fdatasync). 'none' when there is no mark (index missing or rebuilt).
 */
export type MarkRelation = 'none' | 'before' | 'beyond';

export interface DecisionInput {
  frameOk: boolean;
  continuous: boolean;
  lastSegment: boolean;
  validFrameAfter: boolean;
  /** 'beyond' includes a frame starting exactly at the mark. */
  durableMark: MarkRelation;
  /**
   * The bad frame starts within tornTailWindowBytes of the end of the segment's written bytes
   * (an all-zero suffix, a preallocation's hole, does not count: see writtenEnd).
   */
  withinTornWindow: boolean;
  /** Every byte from the bad frame to the end of the segment is zero (row 14). */
  zeroSuffix: boolean;
}

/** The decision table, in evaluation order. Keep in sync with docs/wal-format.md. */
export const RECOVERY_TABLE: ReadonlyArray<{ when: (i: DecisionInput) => boolean; decision: RecoveryDecision; row: string }> = [
  { row: '1', when: (i) => i.frameOk && i.continuous, decision: 'accept' },
  { row: '7', when: (i) => i.frameOk && !i.continuous, decision: 'corrupt' },
  { row: '6', when: (i) => !i.lastSegment, decision: 'corrupt' },
  { row: '12', when: (i) => i.durableMark === 'before', decision: 'corrupt' },
  // The hole a sparse preallocation left past the last frame (prealloc.ts): the end of the log.
  // Only the last segment has one: a segment is trimmed, durably, before the next is created.
  { row: '14', when: (i) => i.zeroSuffix, decision: 'cut-tail' },
  { row: '13', when: (i) => i.validFrameAfter && i.durableMark === 'beyond' && i.withinTornWindow, decision: 'cut-tail' },
  { row: '5', when: (i) => i.validFrameAfter, decision: 'corrupt' },
  { row: '2-4', when: () => true, decision: 'cut-tail' },
];

export function decide(input: DecisionInput): { decision: RecoveryDecision; row: string } {
  for (const r of RECOVERY_TABLE) if (r.when(input)) return { decision: r.decision, row: r.row };
  return { decision: 'corrupt', row: '?' };
}

export interface ScanFrame {
  position: number;
  header: FrameHeader;
}

/** What scanning needs to know about the tail beyond the frames themselves. */
export interface TailContext {
  /**
   * Position in the scanned bytes of the durable mark: frames before it are acknowledged, frames
   * at or after it may never have been. undefined: no mark (the strict rules apply).
   */
  markPosition: number | undefined;
  /** The store's per-log round bound (sizes the torn-tail window). */
  maxRoundBytes: number;
  /**
   * Where the all-zero suffix of the scanned bytes starts, when the caller computed it once for
   * many bad frames of the same bytes (chronik inspect walks past damage); else computed per call.
   */
  zeroSuffixStart?: number;
}

/** No mark: rows 12 and 13 never apply (a rebuilt index, or a caller that knows no mark). */
export const NO_MARK: TailContext = { markPosition: undefined, maxRoundBytes: 0 };

export interface TailCut {
  position: number;
  bytes: number;
  /**
   * The table row that decided the cut: '2-4' or '13' (torn writes), '14' (nothing but the zeros
   * of a preallocation past the last frame: the log's end, not damage).
   */
  row: string;
  /** Row 13: the CRC-valid but never acknowledged frames the cut discards. */
  discarded: DiscardedFrames | undefined;
}

export type ScanResult =
  | { kind: 'ok'; endPosition: number; cut: TailCut | undefined }
  | {
      kind: 'corrupt';
      position: number;
      reason: string;
      expectedCrc?: number;
      actualCrc?: number;
      index?: number;
    };

/**
 * Position of the first byte after `from` where a complete, CRC-valid frame starts, if any, among
 * those starting before `startsBefore` (see validFramesAfter).
 */
export function findValidFrameAfter(bytes: Uint8Array, from: number, startsBefore = bytes.byteLength): number | undefined {
  const lastStart = Math.min(bytes.byteLength - FRAME_HEADER_BYTES, startsBefore - 1);
  for (let p = from; p <= lastStart; p++) {
    if (bytes[p] !== FRAME_MAGIC) continue;
    if (checkFrame(bytes, p).kind === 'ok') return p;
  }
  return undefined;
}

/** The inputs of rows 2–6, 12 and 13 for a bad frame at `at`, and what they are based on. */
interface BadFrameJudgement {
  decision: RecoveryDecision;
  row: string;
  discarded: DiscardedFrames | undefined;
  /** Why it is corruption rather than a torn tail, beyond the frame's own fault ('' when obvious). */
  why: string;
}

/**
 * Rows 2–6, 12 and 13 for the bad frame at `at` (positions relative to `bytes`, which end where the
 * segment ends). Shared by opening (scanFrames) and `chronik inspect verify`, so they agree.
 */
export function judgeBadFrame(bytes: Uint8Array, at: number, check: ReturnType<typeof checkFrame>, lastSegment: boolean, tail: TailContext): BadFrameJudgement {
  const mark = tail.markPosition;
  const durableMark: MarkRelation = mark === undefined ? 'none' : at < mark ? 'before' : 'beyond';
  // Only the last segment can hold a torn write (earlier ones were fdatasync'd before it was
  // created). Only row 13 needs every valid frame after (to size the window and report the
  // discarded ones); otherwise the first one decides, which keeps a scan over much damage linear.
  const zeroStart = tail.zeroSuffixStart ?? zeroSuffixStart(bytes);
  const zeroSuffix = zeroStart <= at;
  const row13Possible = lastSegment && durableMark === 'beyond' && !zeroSuffix;
  // No frame starts with a zero byte, so none starts in the zero suffix: the searches stop there.
  const discarded = row13Possible ? validFramesAfter(bytes, at + 1, zeroStart) : undefined;
  const validFrameAfter = zeroSuffix ? false : row13Possible ? discarded !== undefined : lastSegment && findValidFrameAfter(bytes, at + 1, zeroStart) !== undefined;
  const largest = Math.max(declaredPayloadBytes(check), discarded?.largestPayloadBytes ?? 0);
  const window = tornTailWindowBytes(tail.maxRoundBytes, largest);
  const distance = writtenEnd(at, zeroStart, discarded) - at;
  const withinTornWindow = distance <= window;
  const { decision, row } = decide({ frameOk: false, continuous: false, lastSegment, validFrameAfter, durableMark, withinTornWindow, zeroSuffix });
  let why = '';
  if (row === '12') why = ` before the durable mark at byte ${mark ?? 0} (acknowledged data is damaged)`;
  else if (row === '5' && durableMark === 'beyond') why = ` with valid frames after it, ${distance} bytes from the end: farther than the torn-tail window of ${window} bytes`;
  return { decision, row, discarded: row === '13' ? discarded : undefined, why };
}

/**
 * Scans frames in `bytes` (a segment's contents from byte 0) starting at `start`, expecting entry
 * `expectedIndex` first and terms ≥ `prevTerm`. Calls `onFrame` for each accepted frame.
 */
export function scanFrames(
  bytes: Uint8Array,
  start: number,
  expectedIndex: number,
  prevTerm: number,
  lastSegment: boolean,
  onFrame: (frame: ScanFrame) => void,
  tail: TailContext = NO_MARK,
): ScanResult {
  let at = start;
  let next = expectedIndex;
  let term = prevTerm;
  while (at < bytes.byteLength) {
    const check = checkFrame(bytes, at);
    if (check.kind === 'ok') {
      const continuous = check.header.index === next && check.header.term >= term;
      if (decide({ frameOk: true, continuous, lastSegment, validFrameAfter: false, durableMark: 'none', withinTornWindow: false, zeroSuffix: false }).decision !== 'accept') {
        return corruption(check, at, next, term, '');
      }
      onFrame({ position: at, header: check.header });
      next = check.header.index + 1;
      term = check.header.term;
      at += FRAME_HEADER_BYTES + check.header.length;
      continue;
    }
    const j = judgeBadFrame(bytes, at, check, lastSegment, tail);
    if (j.decision === 'cut-tail') return { kind: 'ok', endPosition: at, cut: { position: at, bytes: bytes.byteLength - at, row: j.row, discarded: j.discarded } };
    return corruption(check, at, next, term, j.why);
  }
  return { kind: 'ok', endPosition: at, cut: undefined };
}

function corruption(check: ReturnType<typeof checkFrame>, at: number, next: number, term: number, why: string): ScanResult {
  switch (check.kind) {
    case 'ok':
      return {
        kind: 'corrupt',
        position: at,
        reason: `frame index ${check.header.index} term ${check.header.term} where index ${next} with term ≥ ${term} was expected`,
        index: check.header.index,
      };
    case 'bad-crc':
      return {
        kind: 'corrupt',
        position: at,
        reason: `CRC mismatch${why}`,
        expectedCrc: check.header.crc,
        actualCrc: check.actualCrc,
        index: check.header.index,
      };
    case 'bad-header':
      return { kind: 'corrupt', position: at, reason: `bad frame header${why}`, index: next };
    case 'short-header':
    case 'short-payload':
      return { kind: 'corrupt', position: at, reason: `truncated frame (${check.kind})${why}`, index: next };
  }
}

/**
 * Validating a segment's frames on open: the recovery decision table of docs/wal-format.md, as
 * code. Pure: it gets the segment's bytes and reports frames, a cut, or corruption.
 */
import { checkFrame, FRAME_HEADER_BYTES, FRAME_MAGIC, type FrameHeader } from './frame.js';

/** What to do with a bad frame, by where it is (rows 2–7 of the table). */
export type RecoveryDecision = 'accept' | 'cut-tail' | 'corrupt';

export interface DecisionInput {
  frameOk: boolean;
  continuous: boolean;
  lastSegment: boolean;
  validFrameAfter: boolean;
}

/** The decision table. Keep in sync with docs/wal-format.md. */
export const RECOVERY_TABLE: ReadonlyArray<{ when: (i: DecisionInput) => boolean; decision: RecoveryDecision; row: string }> = [
  { row: '1', when: (i) => i.frameOk && i.continuous, decision: 'accept' },
  { row: '7', when: (i) => i.frameOk && !i.continuous, decision: 'corrupt' },
  { row: '6', when: (i) => !i.lastSegment, decision: 'corrupt' },
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

export type ScanResult =
  | { kind: 'ok'; endPosition: number; cut: { position: number; bytes: number } | undefined }
  | {
      kind: 'corrupt';
      position: number;
      reason: string;
      expectedCrc?: number;
      actualCrc?: number;
      index?: number;
    };

/** Position of the first byte after `from` where a complete, CRC-valid frame starts, if any. */
export function findValidFrameAfter(bytes: Uint8Array, from: number): number | undefined {
  const lastStart = bytes.byteLength - FRAME_HEADER_BYTES;
  for (let p = from; p <= lastStart; p++) {
    if (bytes[p] !== FRAME_MAGIC) continue;
    if (checkFrame(bytes, p).kind === 'ok') return p;
  }
  return undefined;
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
): ScanResult {
  let at = start;
  let next = expectedIndex;
  let term = prevTerm;
  while (at < bytes.byteLength) {
    const check = checkFrame(bytes, at);
    const frameOk = check.kind === 'ok';
    const continuous = frameOk && check.header.index === next && check.header.term >= term;
    const validFrameAfter = !frameOk && lastSegment && findValidFrameAfter(bytes, at + 1) !== undefined;
    const { decision } = decide({ frameOk, continuous, lastSegment, validFrameAfter });
    if (decision === 'accept' && check.kind === 'ok') {
      onFrame({ position: at, header: check.header });
      next = check.header.index + 1;
      term = check.header.term;
      at += FRAME_HEADER_BYTES + check.header.length;
      continue;
    }
    if (decision === 'cut-tail') return { kind: 'ok', endPosition: at, cut: { position: at, bytes: bytes.byteLength - at } };
    return corruption(check, at, next, term);
  }
  return { kind: 'ok', endPosition: at, cut: undefined };
}

function corruption(check: ReturnType<typeof checkFrame>, at: number, next: number, term: number): ScanResult {
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
        reason: 'CRC mismatch',
        expectedCrc: check.header.crc,
        actualCrc: check.actualCrc,
        index: check.header.index,
      };
    case 'bad-header':
      return { kind: 'corrupt', position: at, reason: 'bad frame header', index: next };
    case 'short-header':
    case 'short-payload':
      return { kind: 'corrupt', position: at, reason: `truncated frame (${check.kind})`, index: next };
  }
}

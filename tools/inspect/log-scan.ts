/**
 * Scans one log's segments in order with full validation: frame CRCs, index continuity, term
 * monotonicity, segment headers, and Kafka batch CRCs of type-2 entries. Classifies each problem as
 * the WAL's recovery would (docs/wal-format.md): a torn tail of the last segment is a warning, the
 * rest is corruption. Memory is bounded by one segment's bytes.
 */
import { EntryType } from '../../src/wal/entry.js';
import { checkFrame, FRAME_HEADER_BYTES } from '../../src/wal/frame.js';
import { judgeBadFrame, type TailContext } from '../../src/wal/recovery.js';
import { zeroSuffixStart } from '../../src/wal/torn-tail.js';
import { DEFAULT_MAX_ROUND_BYTES } from '../../src/wal/store.js';
import { checkSegmentHeader } from './segment-check.js';
import { summariseBatch } from './kafka.js';
import type { Findings } from './findings.js';
import { readSegmentBytes, type LogTarget, type SegmentFile } from './target.js';
import { walkFrames, type Damage, type WalkedFrame } from './walk.js';

export interface SegmentStats {
  file: SegmentFile;
  headerOk: boolean;
  version: number | undefined;
  firstIndex: number | undefined;
  lastIndex: number | undefined;
  lastTerm: number | undefined;
  frames: number;
  badCrcFrames: number;
  /** Regions that could not be decoded as frames. */
  damaged: number;
  /** Bytes of a torn tail that opening would cut (last segment only). */
  tornTailBytes: number;
  /**
   * Bytes of zeros past the last frame of the last segment: a live or crashed store's sparse
   * preallocation (recovery row 14), the log's end rather than damage. Opening trims them.
   */
  preallocatedBytes: number;
}

export interface LogScanOptions {
  /** The log's first index from its meta record, when known (row 10). */
  firstIndex?: number;
  /** Check Kafka batch CRCs and offsets of type-2 entries. */
  checkBatches: boolean;
  onBytes?: (bytes: number) => void;
  /** Called with each good frame (after checks), e.g. by the index check. */
  onFrame?: (seg: SegmentFile, f: WalkedFrame) => void;
  /** Called when damage (not a torn tail) is found: frames may be missing from onFrame's view. */
  onDamage?: () => void;
  /**
   * The index marker (the durable mark): frames before it were acknowledged, so damage there is
   * corruption; a torn frame after it may be followed by valid, never acknowledged ones (row 13).
   */
  durableMark?: { segmentBase: number; position: number };
}

export interface LogScan {
  logId: string;
  segments: SegmentStats[];
  /** Last entry that opening would keep, and its term. */
  lastIndex: number | undefined;
  lastTerm: number | undefined;
  frames: number;
  bytes: number;
}

/** Continuity across segments: undefined expectedIndex means "resynchronise on the next frame". */
interface Cursor {
  expectedIndex: number | undefined;
  prevTerm: number;
  lastOffset: number;
}

function newStats(file: SegmentFile): SegmentStats {
  return { file, headerOk: false, version: undefined, firstIndex: undefined, lastIndex: undefined, lastTerm: undefined, frames: 0, badCrcFrames: 0, damaged: 0, tornTailBytes: 0, preallocatedBytes: 0 };
}

export async function scanLog(log: LogTarget, findings: Findings, opts: LogScanOptions): Promise<LogScan> {
  const cursor: Cursor = { expectedIndex: undefined, prevTerm: 0, lastOffset: -1 };
  const scan: LogScan = { logId: log.logId, segments: [], lastIndex: undefined, lastTerm: undefined, frames: 0, bytes: 0 };
  for (const name of log.strayFiles) findings.add({ severity: 'warning', logId: log.logId, message: `unexpected file ${name} in the log directory` });
  // The next segment is read while this one is checked: disk and CPU overlap, two segments in memory.
  let reading = prefetch(log.segments[0]);
  for (let i = 0; i < log.segments.length; i++) {
    const seg = log.segments[i];
    const bytes = await reading;
    if (seg === undefined || bytes === undefined) break;
    reading = prefetch(log.segments[i + 1]);
    const isLast = seg.path === log.lastSegmentPath;
    warnBelowFirst(log, i, findings, opts.firstIndex);
    scan.segments.push(scanSegment({ log, seg, bytes, isLast, cursor, findings, opts, zeroStart: zeroSuffixStart(bytes) }));
    scan.bytes += bytes.byteLength;
    opts.onBytes?.(bytes.byteLength);
  }
  for (const s of scan.segments) {
    scan.frames += s.frames;
    if (s.lastIndex !== undefined) [scan.lastIndex, scan.lastTerm] = [s.lastIndex, s.lastTerm];
  }
  return scan;
}

function prefetch(seg: SegmentFile | undefined): Promise<Buffer | undefined> {
  if (seg === undefined) return Promise.resolve(undefined);
  const p = readSegmentBytes(seg);
  // Observed here so that a failed read-ahead is not an unhandled rejection; awaited in the loop.
  p.catch(() => undefined);
  return p;
}

/** Row 10: a segment wholly before the first index is left over from a prefix deletion. */
function warnBelowFirst(log: LogTarget, i: number, findings: Findings, firstIndex: number | undefined): void {
  const next = log.segments[i + 1];
  const seg = log.segments[i];
  if (firstIndex === undefined || next === undefined || seg === undefined || next.baseIndex > firstIndex) return;
  findings.add({ severity: 'warning', logId: log.logId, segment: seg.path, message: `segment lies wholly before the log's first index ${firstIndex}; opening deletes it` });
}

interface SegmentScanInput {
  log: LogTarget;
  seg: SegmentFile;
  bytes: Uint8Array;
  isLast: boolean;
  cursor: Cursor;
  findings: Findings;
  opts: LogScanOptions;
  /** Where the segment's all-zero suffix starts: computed once, judged at every damaged region. */
  zeroStart: number;
}

function scanSegment(input: SegmentScanInput): SegmentStats {
  const { log, seg, bytes, isLast, cursor, findings } = input;
  const stats = newStats(seg);
  const header = checkSegmentHeader(bytes, seg, isLast, cursor.expectedIndex);
  for (const f of header.findings) findings.add({ logId: log.logId, ...f });
  stats.headerOk = header.findings.every((f) => f.severity !== 'corruption') && header.headerBase !== undefined;
  stats.version = header.version;
  if (!header.walk) return stats;
  if (cursor.expectedIndex === undefined && header.headerBase !== undefined) cursor.expectedIndex = header.headerBase;
  walkFrames(bytes, {
    frame: (f) => {
      onFrame(input, stats, f);
      return true;
    },
    damage: (d) => onDamage(input, stats, d),
  });
  if (stats.frames === 0 && header.headerBase !== undefined) cursor.expectedIndex = header.headerBase;
  return stats;
}

function onFrame(input: SegmentScanInput, stats: SegmentStats, f: WalkedFrame): void {
  const { log, seg, cursor, findings } = input;
  const h = f.header;
  const at = { logId: log.logId, segment: seg.path, position: f.position, index: h.index };
  stats.frames++;
  if (!f.crcOk) {
    stats.badCrcFrames++;
    return; // reported as damage already; its fields cannot be trusted
  }
  if (cursor.expectedIndex !== undefined && (h.index !== cursor.expectedIndex || h.term < cursor.prevTerm)) {
    findings.add({ severity: 'corruption', ...at, message: `frame has index ${h.index} term ${h.term}; expected index ${cursor.expectedIndex} with term ≥ ${cursor.prevTerm}` });
  }
  cursor.expectedIndex = h.index + 1;
  cursor.prevTerm = h.term;
  stats.firstIndex ??= h.index;
  stats.lastIndex = h.index;
  stats.lastTerm = h.term;
  if (h.type === EntryType.KAFKA_BATCH && input.opts.checkBatches) checkBatch(input, f);
  input.opts.onFrame?.(seg, f);
}

function checkBatch(input: SegmentScanInput, f: WalkedFrame): void {
  const { log, seg, cursor, findings } = input;
  const at = { logId: log.logId, segment: seg.path, position: f.position, index: f.header.index };
  const r = summariseBatch(f.payload);
  if (!r.ok) {
    findings.add({ severity: 'corruption', ...at, message: `type-2 entry is not a valid Kafka record batch: ${r.error}` });
    return;
  }
  if (!r.batch.crcOk) {
    findings.add({ severity: 'corruption', ...at, expectedCrc: r.batch.storedCrc, actualCrc: r.batch.actualCrc, message: 'Kafka record batch CRC mismatch' });
  }
  if (r.batch.baseOffset <= cursor.lastOffset) {
    findings.add({ severity: 'corruption', ...at, message: `Kafka batch base offset ${r.batch.baseOffset} is not above the previous batch's last offset ${cursor.lastOffset}` });
  }
  cursor.lastOffset = Math.max(cursor.lastOffset, r.batch.lastOffset);
}

const REASONS: Readonly<Record<Damage['reason'], string>> = {
  'bad-crc': 'frame CRC mismatch',
  'bad-header': 'bad frame header',
  'short-header': 'partial frame header',
  truncated: 'frame payload runs past the end of the file',
};

/**
 * The mark as the WAL's recovery sees this segment: its position here, 0 when the segment comes
 * after the mark's, past the end when before it. The broker runs with the default round bound.
 */
function tailContext(input: SegmentScanInput): TailContext {
  const mark = input.opts.durableMark;
  const base = input.seg.baseIndex;
  const markPosition = mark === undefined ? undefined : base === mark.segmentBase ? mark.position : base > mark.segmentBase ? 0 : input.bytes.byteLength + 1;
  return { markPosition, maxRoundBytes: DEFAULT_MAX_ROUND_BYTES, zeroSuffixStart: input.zeroStart };
}

/**
 * Rows 2–6 and 12–14 of the recovery table (the WAL's own judgement): a preallocated hole is the
 * log's end, a torn tail is cut; anything else refuses.
 */
function onDamage(input: SegmentScanInput, stats: SegmentStats, d: Damage): boolean {
  const { log, seg, bytes, isLast, cursor, findings } = input;
  const index = d.header?.index ?? cursor.expectedIndex;
  const crc = d.reason === 'bad-crc' ? { expectedCrc: d.header?.crc ?? 0, actualCrc: d.actualCrc ?? 0 } : {};
  const at = { logId: log.logId, segment: seg.path, position: d.position, ...(index === undefined ? {} : { index }), ...crc };
  const judged = judgeBadFrame(bytes, d.position, checkFrame(bytes, d.position), isLast, tailContext(input));
  if (judged.row === '14') {
    // Not a finding: every live store's active segment has one (verify prints it as a note).
    stats.preallocatedBytes = bytes.byteLength - d.position;
    return false;
  }
  if (judged.decision === 'cut-tail') {
    stats.tornTailBytes = bytes.byteLength - d.position;
    const x = judged.discarded;
    const dropped = x === undefined ? '' : `, past the durable mark; discards ${x.frames} valid but unacknowledged frames (entries ${x.firstIndex}–${x.lastIndex})`;
    findings.add({ severity: 'warning', ...at, message: `torn tail: would be cut on open (${REASONS[d.reason]}; ${stats.tornTailBytes} bytes${dropped})` });
    return false;
  }
  stats.damaged++;
  input.opts.onDamage?.();
  const where = !isLast ? 'in a segment that is not the last' : d.validFrameAfter ? `with a valid frame after it${judged.why}` : judged.why.trim();
  findings.add({ severity: 'corruption', ...at, message: `${REASONS[d.reason]} ${where}` });
  // Frames after a damaged region may be fine; resynchronise instead of reporting each as a gap.
  if (d.reason !== 'bad-crc' || d.resumeAt !== d.position + FRAME_HEADER_BYTES + (d.header?.length ?? 0)) cursor.expectedIndex = undefined;
  else if (cursor.expectedIndex !== undefined) cursor.expectedIndex += 1;
  return true;
}

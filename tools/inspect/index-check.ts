/**
 * Checks one log's derived LevelDB index against its segments (docs/wal-format.md, "LevelDB"):
 * the marker agrees with a frame end, every sparse point names a frame with that index, term-run
 * keys match frame terms, every offset key names the type-2 batch ending at that offset, every
 * timestamp key names a batch that raised its segment's running maximum, and the keys a lookup
 * cannot do without exist: offset and timestamp keys are sparse (one per indexIntervalBytes,
 * session 8; dense before), but the first batch of a segment and its last batch and last
 * running-maximum batch up to the marker are always keyed. Driven by the segment scan: prepare()
 * loads keys, onFrame() checks as frames stream by, finish() reports what no frame matched.
 */
import { EntryType } from '../../src/wal/entry.js';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { readBatchFields } from '../../src/wal/kafka-batch.js';
import type { Finding, Findings } from './findings.js';
import type { IndexDb } from './leveldb-copy.js';
import { readDerived, readLogIndexState, type LogIndexState } from './index-reader.js';
import type { SegmentFile } from './target.js';
import type { WalkedFrame } from './walk.js';

/** Bound on derived keys loaded per kind; beyond it the check says it was partial. */
export const MAX_INDEX_KEYS = 2_000_000;

export interface IndexReport {
  logId: string;
  hasState: boolean;
  epoch: number | undefined;
  marker: LogIndexState['marker'];
  markerAgrees: boolean | undefined;
  keys: { points: number; terms: number; offsets: number; timestamps: number };
  /** Entries in the segments past the marker: opening indexes them (the index is behind). */
  unindexedEntries: number;
  partial: boolean;
}

interface Pending {
  points: Map<number, { segmentBase: number; position: number }>;
  terms: Array<{ index: number; term: number }>;
  offsets: Map<number, number>;
  timestamps: Map<number, Set<string>>;
}

export class IndexChecker {
  private state: LogIndexState | undefined;
  private pending: Pending = { points: new Map(), terms: [], offsets: new Map(), timestamps: new Map() };
  private readonly deferred: Finding[] = [];
  private report: IndexReport;
  private runTerm: number | undefined;
  private termCursor = 0;
  private segMaxTs = new Map<number, number>();
  private firstSeen: number | undefined;
  /** Frames were lost to damage: keys naming them cannot be matched, so leftovers are not judged. */
  private damaged = false;
  private lastSeen: number | undefined;
  /** The segment of the last indexed batch checked, its last batch and its last running-maximum batch. */
  private batchSeg: SegmentFile | undefined;
  private lastBatch: { at: { position: number; index: number }; lastOffset: number; keyed: boolean } | undefined;
  private lastRecord: { at: { position: number; index: number }; maxTimestamp: number; baseOffset: number; keyed: boolean } | undefined;

  constructor(
    private readonly db: IndexDb,
    private readonly logId: string,
  ) {
    this.report = { logId, hasState: false, epoch: undefined, marker: undefined, markerAgrees: undefined, keys: { points: 0, terms: 0, offsets: 0, timestamps: 0 }, unindexedEntries: 0, partial: false };
  }

  async prepare(): Promise<void> {
    const state = await readLogIndexState(this.db, this.logId);
    this.state = state;
    this.report.hasState = state.meta !== undefined;
    this.report.marker = state.marker;
    if (state.meta === undefined || state.marker === undefined || state.meta.pendingReset) return;
    const epoch = state.meta.epoch;
    this.report.epoch = epoch;
    const load = (kind: 'i' | 't' | 'o' | 'x') => readDerived(this.db, state, epoch, kind, MAX_INDEX_KEYS);
    const [points, terms, offsets, timestamps] = [await load('i'), await load('t'), await load('o'), await load('x')];
    this.report.keys = { points: points.length, terms: terms.length, offsets: offsets.length, timestamps: timestamps.length };
    this.report.partial = [points, terms, offsets, timestamps].some((k) => k.length >= MAX_INDEX_KEYS);
    for (const p of points) this.pending.points.set(p.n1, { segmentBase: p.values[0] ?? -1, position: p.values[1] ?? -1 });
    this.pending.terms = terms.map((t) => ({ index: t.n1, term: t.values[0] ?? -1 }));
    for (const o of offsets) this.pending.offsets.set(o.n1, o.values[0] ?? -1);
    for (const x of timestamps) {
      const set = this.pending.timestamps.get(x.n1) ?? new Set<string>();
      // Sparse keys also hold the batch's entry index and end position (dense ones the base offset alone).
      set.add(x.values.length >= 3 ? timeKeyText(x.n2 ?? -1, x.values[0] ?? -1, x.values[1], x.values[2]) : timeKeyText(x.n2 ?? -1, x.values[0] ?? -1));
      this.pending.timestamps.set(x.n1, set);
    }
  }

  /** The log's state records as read from the copy (after prepare()). */
  get logState(): LogIndexState | undefined {
    return this.state;
  }

  /** The log's first index from its meta record (entries before it are logically deleted). */
  get metaFirstIndex(): number | undefined {
    return this.state?.meta?.firstIndex;
  }

  private get indexedUpTo(): number | undefined {
    const s = this.state;
    return s?.meta === undefined || s.marker === undefined || s.meta.pendingReset ? undefined : s.marker.lastIndex;
  }

  private problem(seg: SegmentFile | undefined, f: Partial<Finding> & { message: string }): void {
    this.deferred.push({ severity: 'corruption', logId: this.logId, ...(seg === undefined ? {} : { segment: seg.path }), ...f });
  }

  noteDamage(): void {
    this.damaged = true;
  }

  onFrame(seg: SegmentFile, f: WalkedFrame): void {
    const upTo = this.indexedUpTo;
    const index = f.header.index;
    this.firstSeen ??= index;
    this.lastSeen = index;
    this.checkMarkerEnd(seg, f);
    if (upTo === undefined) return;
    if (index > upTo) {
      this.report.unindexedEntries++;
      return;
    }
    this.checkPoint(seg, f);
    // Entries below the first index are logically deleted: their offset/term keys may be cleared.
    const live = index >= (this.state?.meta?.firstIndex ?? 1);
    if (live) this.checkTerm(seg, f);
    if (f.header.type === EntryType.KAFKA_BATCH) this.checkBatchKeys(seg, f, live);
  }

  private checkMarkerEnd(seg: SegmentFile, f: WalkedFrame): void {
    const m = this.state?.marker;
    if (m === undefined || seg.baseIndex !== m.segmentBase) return;
    if (f.position + FRAME_HEADER_BYTES + f.header.length === m.endPosition) this.report.markerAgrees = f.header.index === m.lastIndex;
  }

  private checkPoint(seg: SegmentFile, f: WalkedFrame): void {
    const p = this.pending.points.get(f.header.index);
    const at = { position: f.position, index: f.header.index };
    if (p === undefined) {
      if (f.position === SEGMENT_HEADER_BYTES) this.problem(seg, { ...at, severity: 'warning', message: 'first frame of the segment has no index point (lookups still work, from the segment start)' });
      return;
    }
    this.pending.points.delete(f.header.index);
    if (p.segmentBase !== seg.baseIndex || p.position !== f.position) {
      this.problem(seg, { ...at, message: `index point for entry ${f.header.index} says segment ${p.segmentBase} byte ${p.position}` });
    }
  }

  /** The term-run key in force at this entry must give the frame's term. */
  private checkTerm(seg: SegmentFile, f: WalkedFrame): void {
    const runs = this.pending.terms;
    while (this.termCursor < runs.length && (runs[this.termCursor]?.index ?? Infinity) <= f.header.index) {
      this.runTerm = runs[this.termCursor]?.term;
      this.termCursor++;
    }
    if (this.runTerm !== f.header.term) {
      this.problem(seg, { position: f.position, index: f.header.index, message: `term index says term ${this.runTerm ?? 'none'} for entry ${f.header.index}, the frame has term ${f.header.term}` });
    }
  }

  private checkBatchKeys(seg: SegmentFile, f: WalkedFrame, live: boolean): void {
    const at = { position: f.position, index: f.header.index };
    let b: ReturnType<typeof readBatchFields>;
    try {
      b = readBatchFields(f.payload);
    } catch {
      return; // the segment scan reports the bad batch
    }
    if (this.batchSeg !== seg) this.endSegment();
    const first = this.batchSeg !== seg;
    this.batchSeg = seg;
    const mapped = this.pending.offsets.get(b.lastOffset);
    this.pending.offsets.delete(b.lastOffset);
    if (live && mapped !== undefined && mapped !== f.header.index) {
      this.problem(seg, { ...at, message: `offset index maps last offset ${b.lastOffset} to entry ${mapped}, the batch is entry ${f.header.index}` });
    }
    if (live && first && mapped === undefined) {
      this.problem(seg, { ...at, message: `offset index lacks the first batch of segment ${seg.baseIndex} (last offset ${b.lastOffset} → entry ${f.header.index})` });
    }
    this.lastBatch = live ? { at, lastOffset: b.lastOffset, keyed: mapped !== undefined } : undefined;
    const max = this.segMaxTs.get(seg.baseIndex) ?? -1;
    // A lost batch may have held the running maximum: the timestamp keys cannot be judged then.
    if (b.maxTimestamp <= max || this.damaged) return;
    this.segMaxTs.set(seg.baseIndex, b.maxTimestamp);
    const keys = this.pending.timestamps.get(seg.baseIndex);
    const end = f.position + FRAME_HEADER_BYTES + f.header.length;
    const keyed = keys?.delete(timeKeyText(b.maxTimestamp, b.baseOffset, f.header.index, end)) === true || keys?.delete(timeKeyText(b.maxTimestamp, b.baseOffset)) === true;
    if (first && !keyed) this.problem(seg, { ...at, message: `timestamp index lacks the first batch of segment ${seg.baseIndex}: (max timestamp ${b.maxTimestamp}) → offset ${b.baseOffset}` });
    this.lastRecord = { at, maxTimestamp: b.maxTimestamp, baseOffset: b.baseOffset, keyed };
  }

  /**
   * The indexed part of the segment whose batches were checked last is over: its last batch and
   * its max-timestamp batch must be keyed (lookups and opening rely on them, indexer.ts trailingKeys).
   */
  private endSegment(): void {
    const seg = this.batchSeg;
    if (seg !== undefined && !this.damaged) {
      const b = this.lastBatch;
      if (b !== undefined && !b.keyed) this.problem(seg, { ...b.at, message: `offset index lacks the last indexed batch of segment ${seg.baseIndex} (last offset ${b.lastOffset} → entry ${b.at.index})` });
      const r = this.lastRecord;
      if (r !== undefined && !r.keyed) this.problem(seg, { ...r.at, message: `timestamp index lacks (segment ${seg.baseIndex}, max timestamp ${r.maxTimestamp}) → offset ${r.baseOffset}, the segment's maximum` });
    }
    this.batchSeg = undefined;
    this.lastBatch = undefined;
    this.lastRecord = undefined;
  }

  /** Reports the marker's agreement and every key no frame accounted for. */
  finish(findings: Findings): IndexReport {
    const s = this.state;
    const at = { logId: this.logId };
    if (s?.meta === undefined) {
      findings.add({ severity: 'warning', ...at, message: 'no state for this log in LevelDB (never opened, or the index was lost): opening starts it from its segments' });
      return this.report;
    }
    if (s.meta.pendingReset) {
      findings.add({ severity: 'warning', ...at, message: 'a snapshot install is in progress (pendingReset): opening finishes it; index not checked' });
      return this.report;
    }
    if (s.marker === undefined) {
      findings.add({ severity: 'warning', ...at, message: 'no index marker: opening rebuilds the index from the segments' });
      return this.report;
    }
    this.checkMarker(findings, s);
    if (this.report.markerAgrees !== true) return this.report;
    this.endSegment();
    if (this.damaged) findings.add({ severity: 'warning', ...at, message: 'the segments are damaged: index keys of unreadable entries were not checked' });
    else this.leftovers(s);
    for (const f of this.deferred) findings.add(f);
    return this.report;
  }

  private checkMarker(findings: Findings, s: LogIndexState): void {
    const m = s.marker;
    if (m === undefined) return;
    const emptyAtStart = m.endPosition === SEGMENT_HEADER_BYTES && m.lastIndex === m.segmentBase - 1;
    if (this.report.markerAgrees === undefined && emptyAtStart) this.report.markerAgrees = true;
    if (this.report.markerAgrees === true) return;
    const lost = this.lastSeen === undefined || m.lastIndex > this.lastSeen;
    findings.add({
      severity: lost ? 'corruption' : 'warning',
      logId: this.logId,
      index: m.lastIndex,
      message: lost
        ? `index says entries up to ${m.lastIndex} were durable (segment ${m.segmentBase} byte ${m.endPosition}) but the segments end at ${this.lastSeen ?? 'nothing'}: durable entries are missing`
        : `index marker (entry ${m.lastIndex}, segment ${m.segmentBase} byte ${m.endPosition}) is not at a frame end: opening rebuilds the index`,
    });
  }

  /** Keys left unmatched: stale ones below the first frame are harmless, others are corruption. */
  private leftovers(s: LogIndexState): void {
    const first = Math.max(this.firstSeen ?? 0, s.meta?.firstIndex ?? 0);
    for (const [index, p] of this.pending.points) {
      if (index >= first) this.problem(undefined, { index, message: `index point for entry ${index} (segment ${p.segmentBase} byte ${p.position}) names no frame` });
    }
    for (const [offset, index] of this.pending.offsets) {
      if (index >= first) this.problem(undefined, { index, message: `offset index maps last offset ${offset} to entry ${index}, which is not a type-2 batch ending there` });
    }
    for (const [base, keys] of this.pending.timestamps) {
      for (const k of keys) if (base >= (this.firstSeen ?? 0)) this.problem(undefined, { message: `timestamp index key (segment ${base}, ${describeTimeKey(k)}) matches no batch` });
    }
  }
}

/** How a timestamp key is matched against a batch: dense keys hold the base offset alone. */
function timeKeyText(ts: number, baseOffset: number, index?: number, end?: number): string {
  return index === undefined ? `${ts}:${baseOffset}` : `${ts}:${baseOffset}:${index}:${end ?? -1}`;
}

function describeTimeKey(text: string): string {
  const [ts, base, index, end] = text.split(':');
  return `${ts} → offset ${base}${index === undefined ? '' : `, entry ${index}, end byte ${end}`}`;
}

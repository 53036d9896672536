/**
 * Opening a log: load state from LevelDB, validate the segments past the index marker (the recovery
 * decision table), cut a torn tail, and catch the derived index up — or rebuild it when missing or
 * inconsistent.
 */
import { putDurable, type StoreContext, type WalBatchOp } from './context.js';
import type { LogState } from './log-state.js';
import { LogKeys, readU64At } from './keys.js';
import { decodeHardState, decodeMeta, defaultMeta, encodeMeta } from './meta.js';
import { TermRuns } from './terms.js';
import { FrameStage, type ChunkPool } from './frame-stage.js';
import { createSegment, removeSegment } from './segment-files.js';
import { newSegment, type Segment } from './segment.js';
import {
  checkFrame,
  decodeFrameHeader,
  decodeSegmentHeader,
  FORMAT_VERSION,
  FRAME_HEADER_BYTES,
  frameHeaderSane,
  parseSegmentFileName,
  SEGMENT_HEADER_BYTES,
  segmentHeaderValid,
} from './frame.js';
import { closeSegmentKeys, indexFrame, markerOp, trailingKeys } from './indexer.js';
import { scanFrames, type TailCut } from './recovery.js';
import { readTail } from './tail-read.js';
import { WalCorruptionError, WalVersionError } from './errors.js';

/** Index ops are committed in batches of this many during a rebuild, to bound memory. */
const REBUILD_BATCH_OPS = 10_000;

export interface OpenOptions {
  segmentBytes: number;
  indexIntervalBytes: number;
  maxPendingBytes: number;
  maxRoundBytes: number;
  /** Step of the last segment's sparse preallocation (prealloc.ts); 0: off. */
  preallocateBytes: number;
  /** The store's spare frame-stage chunks, shared by its logs. */
  chunks: ChunkPool;
}

interface ScanStart {
  segIdx: number;
  position: number;
  expectedIndex: number;
  prevTerm: number;
  /**
   * The scan starts at the index marker (the durable mark: every frame before it was covered by a
   * completed fdatasync), so rows 12–13 of the recovery table apply. False when rebuilding.
   */
  fromMark: boolean;
}

export async function openLogState(ctx: StoreContext, logId: string, dir: string, opts: OpenOptions): Promise<LogState> {
  const keys = new LogKeys(logId);
  const metaBuf = await ctx.db.get(keys.meta);
  const meta = metaBuf === undefined ? defaultMeta() : decodeMeta(metaBuf);
  const hardBuf = await ctx.db.get(keys.hard);
  const snapBuf = meta.snapshotIndex > 0 ? await ctx.db.get(keys.snap) : undefined;
  await ctx.io.mkdir(dir);
  let segments = await openSegmentFiles(ctx, dir);
  if (meta.pendingReset) segments = await removeAll(ctx, segments);
  segments = await dropBelowFirst(ctx, segments, meta.firstIndex);
  if (segments.length === 0) segments.push(await createSegment(ctx, dir, meta.firstIndex));
  const state: LogState = {
    logId,
    dir,
    ctx,
    keys,
    epoch: meta.epoch,
    indexIntervalBytes: opts.indexIntervalBytes,
    log: ctx.logger.child({ logId }),
    segmentBytes: opts.segmentBytes,
    preallocateBytes: opts.preallocateBytes,
    segments,
    terms: new TermRuns(),
    meta,
    firstIndex: meta.firstIndex,
    durableLastIndex: 0,
    lastIndex: 0,
    tail: [],
    tailFrames: [],
    stage: new FrameStage(opts.chunks),
    tailBytes: 0,
    maxPendingBytes: opts.maxPendingBytes,
    maxRoundBytes: opts.maxRoundBytes,
    inFlight: 0,
    writeEnd: 0,
    waiters: [],
    openWaiter: undefined,
    nextOffset: meta.startOffset,
    durableNextOffset: meta.startOffset,
    pendingIndexOps: [],
    flushingIndexOps: [],
    pendingMarker: undefined,
    pendingTrailing: undefined,
    indexedLastIndex: 0,
    indexedNextOffset: meta.startOffset,
    logStartOffset: meta.startOffset,
    hardState: hardBuf === undefined ? { term: 0, vote: 0, commit: 0 } : decodeHardState(hardBuf),
    snapshot:
      meta.snapshotIndex > 0
        ? { index: meta.snapshotIndex, term: meta.snapshotTerm, data: snapBuf ?? new Uint8Array(0), nextOffset: meta.startOffset }
        : undefined,
    failed: undefined,
    closed: false,
  };
  const start = await loadIndex(state);
  const firstBatchBase = await catchUp(state, start);
  finishOpen(state, metaBuf === undefined ? firstBatchBase : undefined);
  if (metaBuf === undefined || meta.pendingReset) {
    meta.pendingReset = false;
    await putDurable(ctx, keys.meta, encodeMeta(meta));
  }
  return state;
}

async function openSegmentFiles(ctx: StoreContext, dir: string): Promise<Segment[]> {
  const bases = (await ctx.io.readdir(dir))
    .map(parseSegmentFileName)
    .filter((b): b is number => b !== undefined)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const base of bases) {
    const path = `${dir}/${String(base).padStart(20, '0')}.log`;
    const fd = await ctx.io.open(path, { create: false, dsync: ctx.dsync });
    const seg = newSegment(base, path, fd, await ctx.io.size(fd));
    segments.push(seg);
  }
  for (let i = 0; i + 1 < segments.length; i++) {
    const s = segments[i];
    const next = segments[i + 1];
    if (s !== undefined && next !== undefined) s.lastIndex = next.baseIndex - 1;
  }
  return segments;
}

async function removeAll(ctx: StoreContext, segments: Segment[]): Promise<Segment[]> {
  for (const s of segments) await removeSegment(ctx.io, s);
  return [];
}

/** Row 10: a crash during prefix deletion can leave segments wholly before the first index. */
async function dropBelowFirst(ctx: StoreContext, segments: Segment[], firstIndex: number): Promise<Segment[]> {
  let drop = 0;
  while (drop + 1 < segments.length && (segments[drop + 1]?.baseIndex ?? Infinity) <= firstIndex) drop++;
  for (const s of segments.slice(0, drop)) await removeSegment(ctx.io, s);
  return segments.slice(drop);
}

/** Loads the derived index if its marker agrees with the segments; else starts a rebuild. */
async function loadIndex(state: LogState): Promise<ScanStart> {
  const { ctx, keys } = state;
  const marker = await ctx.db.get(keys.marker(state.epoch));
  if (marker !== undefined) {
    const lastIndex = readU64At(marker, 0);
    const segBase = readU64At(marker, 1);
    const position = readU64At(marker, 2);
    const segIdx = state.segments.findIndex((s) => s.baseIndex === segBase);
    const seg = state.segments[segIdx];
    if (seg !== undefined && (await markerAgrees(state, seg, position, lastIndex + 1))) {
      await loadDerived(state);
      seg.lastIndex = lastIndex;
      return { segIdx, position, expectedIndex: lastIndex + 1, prevTerm: state.terms.lastTerm(), fromMark: true };
    }
    if (seg === undefined && markedBelow(state, segBase, lastIndex)) {
      // The marked segment lay wholly before the first index (prefix deletion, row 10): the mark
      // moves to the start of the first segment left. The index is rebuilt, but row 13 still
      // applies to its tail, as it would have without the prefix deletion.
      await bumpEpoch(state);
      return { ...rebuildStart(state), fromMark: true };
    }
    state.log.warn({ segBase, position, lastIndex }, 'index marker disagrees with the segments; rebuilding the index');
  }
  if (marker !== undefined || state.epoch > 0) await bumpEpoch(state);
  return rebuildStart(state);
}

function rebuildStart(state: LogState): ScanStart {
  const first = state.segments[0];
  return { segIdx: 0, position: SEGMENT_HEADER_BYTES, expectedIndex: first?.baseIndex ?? 1, prevTerm: 0, fromMark: false };
}

/** Whether a marker names a segment that ended before every remaining segment begins. */
function markedBelow(state: LogState, segBase: number, lastIndex: number): boolean {
  const first = state.segments[0];
  return first !== undefined && segBase < first.baseIndex && lastIndex < first.baseIndex;
}

async function markerAgrees(state: LogState, seg: Segment, position: number, nextIndex: number): Promise<boolean> {
  if (position < SEGMENT_HEADER_BYTES || position > seg.sizeBytes) return false;
  if (position === seg.sizeBytes) return true;
  const buf = Buffer.alloc(FRAME_HEADER_BYTES);
  const n = await state.ctx.io.read(seg.fd, buf, position);
  const h = decodeFrameHeader(buf.subarray(0, n), 0);
  // A torn frame right at the marker is still "agreeing": recovery judges it (rows 2–4, 13). Torn
  // by pages, its header may be half there (magic and length sane, index zeroed), so only a
  // CRC-valid frame with another index disagrees.
  if (h === undefined || !frameHeaderSane(h) || h.index === nextIndex) return true;
  return !(await frameCrcOk(state, seg, position, h.length));
}

/** Whether the frame at `position` is complete and CRC-valid (bounded: its length is ≤ 256 MiB and fits the file). */
async function frameCrcOk(state: LogState, seg: Segment, position: number, length: number): Promise<boolean> {
  if (position + FRAME_HEADER_BYTES + length > seg.sizeBytes) return false;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  const n = await state.ctx.io.read(seg.fd, frame, position);
  return checkFrame(frame.subarray(0, n), 0).kind === 'ok';
}

async function bumpEpoch(state: LogState): Promise<void> {
  state.epoch += 1;
  state.meta.epoch = state.epoch;
  await putDurable(state.ctx, state.keys.meta, encodeMeta(state.meta));
  await state.ctx.db.clear(state.keys.epochsBelow(state.epoch));
}

async function loadDerived(state: LogState): Promise<void> {
  const { ctx, keys, epoch } = state;
  const byBase = new Map(state.segments.map((s) => [s.baseIndex, s]));
  for await (const [key, value] of ctx.db.iterator(keys.kindRange(epoch, 'i'))) {
    const seg = byBase.get(readU64At(value, 0));
    if (seg === undefined) continue;
    seg.pointIndexes.push(keys.n1(key));
    seg.pointPositions.push(readU64At(value, 1));
  }
  for await (const [key, value] of ctx.db.iterator(keys.kindRange(epoch, 't'))) {
    state.terms.push(keys.n1(key), readU64At(value, 0));
  }
  for await (const key of ctx.db.keys({ ...keys.kindRange(epoch, 'o'), reverse: true, limit: 1 })) {
    state.nextOffset = Math.max(state.nextOffset, keys.n1(key) + 1);
  }
  for await (const key of ctx.db.keys(keys.kindRange(epoch, 'x'))) {
    const seg = byBase.get(keys.n1(key));
    if (seg !== undefined) seg.maxTimestamp = Math.max(seg.maxTimestamp, keys.n2(key));
  }
}

/** Validates and indexes every frame from `start` to the end. Returns the first batch's base offset seen. */
async function catchUp(state: LogState, start: ScanStart): Promise<number | undefined> {
  let { expectedIndex, prevTerm } = start;
  let firstBatchBase: number | undefined;
  let ops: WalBatchOp[] = [];
  let dirty = start.segIdx === 0 && start.position === SEGMENT_HEADER_BYTES;
  // Segments covered by the index are not rescanned, but their headers (version!) are still checked.
  const checkedUpTo = start.position === SEGMENT_HEADER_BYTES ? start.segIdx : start.segIdx + 1;
  for (const seg of state.segments.slice(0, checkedUpTo)) await segmentHeaderOk(state, seg, false, seg.baseIndex);
  for (let i = start.segIdx; i < state.segments.length; i++) {
    const seg = state.segments[i];
    if (seg === undefined) break;
    const isLast = i === state.segments.length - 1;
    const from = i === start.segIdx ? start.position : SEGMENT_HEADER_BYTES;
    if (from === SEGMENT_HEADER_BYTES && !(await segmentHeaderOk(state, seg, isLast, expectedIndex))) {
      // Row 9: torn creation of the last segment; it held nothing.
      await removeSegment(state.ctx.io, seg);
      state.segments.pop();
      state.log.warn({ segment: seg.path }, 'removed a last segment whose header was torn');
      if (state.segments.length === 0) state.segments.push(await createSegment(state.ctx, state.dir, expectedIndex));
      break;
    }
    // Not the hole of a preallocation: after a crash 64 logs opening at once would page in 64 steps.
    const bytes = await readTail(state.ctx.io, seg.fd, from, seg.sizeBytes, isLast);
    const n = bytes.byteLength;
    let end = from;
    // Scanned bytes start at the mark (or in a later segment): all of them lie beyond it.
    const tail = { markPosition: start.fromMark ? 0 : undefined, maxRoundBytes: state.maxRoundBytes };
    const result = scanFrames(bytes.subarray(0, n), 0, expectedIndex, prevTerm, isLast, (f) => {
      const data = bytes.subarray(f.position + FRAME_HEADER_BYTES, f.position + FRAME_HEADER_BYTES + f.header.length);
      const frame = { ...f.header, position: from + f.position, data, prevTerm: state.terms.lastTerm() };
      state.terms.push(f.header.index, f.header.term);
      const offsets = indexFrame(state, seg, frame, ops);
      if (offsets !== undefined) {
        firstBatchBase ??= offsets.baseOffset;
        state.nextOffset = Math.max(state.nextOffset, offsets.lastOffset + 1);
      }
      end = frame.position + FRAME_HEADER_BYTES + f.header.length;
      dirty = true;
    }, tail);
    if (result.kind === 'corrupt') {
      const { kind: _k, position, ...rest } = result;
      throw new WalCorruptionError({ logId: state.logId, segment: seg.path, position: from + position, ...rest });
    }
    if (result.cut !== undefined) await cutTail(state, seg, end, result.cut);
    // The marker below claims these frames durable; they may only be in the page cache (the
    // process died, the machine did not), and a marker must never run ahead of an fdatasync.
    else if (end > from && state.ctx.fsync === 'always') await state.ctx.io.datasync(seg.fd);
    seg.sizeBytes = end;
    // Without a cut the scan consumed the whole file; a cut truncated it to `end`.
    seg.allocatedBytes = end;
    expectedIndex = seg.lastIndex + 1;
    prevTerm = state.terms.lastTerm();
    // The index holds every segment's last offset and max timestamp as of its marker (indexer.ts trailingKeys).
    if (!isLast) closeSegmentKeys(state, seg, ops);
    if (ops.length >= REBUILD_BATCH_OPS || (dirty && isLast)) {
      if (isLast) for (const op of trailingKeys(state, seg)) ops.push(op);
      ops.push(markerOp(state, seg, end));
      await state.ctx.db.batch(ops);
      ops = [];
    }
  }
  return firstBatchBase;
}

async function segmentHeaderOk(state: LogState, seg: Segment, isLast: boolean, expectedIndex: number): Promise<boolean> {
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES);
  const n = await state.ctx.io.read(seg.fd, buf, 0);
  const h = decodeSegmentHeader(buf.subarray(0, n));
  const valid = h !== undefined && segmentHeaderValid(h);
  if (!valid && isLast && seg.sizeBytes <= SEGMENT_HEADER_BYTES) return false;
  const fail = (reason: string): never => {
    throw new WalCorruptionError({ logId: state.logId, segment: seg.path, position: 0, reason });
  };
  if (!valid || h === undefined) return fail('bad segment header');
  if (h.version > FORMAT_VERSION) throw new WalVersionError(`segment ${seg.path}`, h.version, FORMAT_VERSION);
  if (h.baseIndex !== seg.baseIndex) fail(`segment header says base ${h.baseIndex}, file name says ${seg.baseIndex}`);
  if (seg.baseIndex !== expectedIndex) fail(`segment starts at ${seg.baseIndex}, expected ${expectedIndex}`);
  return true;
}

async function cutTail(state: LogState, seg: Segment, position: number, cut: TailCut): Promise<void> {
  const bytesCut = cut.bytes;
  const d = cut.discarded;
  // Row 14: the hole of a preallocation (prealloc.ts) past the last frame, not damage. Trimmed so
  // the file's size is its frames again; the next round extends it anew.
  if (cut.row === '14') state.log.info({ segment: seg.path, position, preallocatedBytes: bytesCut }, 'trimmed the preallocated tail of the last segment');
  else if (d === undefined) state.log.warn({ segment: seg.path, position, bytesCut, row: cut.row }, 'cut a torn tail');
  else {
    // Row 13: pages written back out of order; the frames after the torn one were never acknowledged.
    const discarded = { discardedFrames: d.frames, discardedFirstIndex: d.firstIndex, discardedLastIndex: d.lastIndex };
    state.log.warn({ segment: seg.path, position, bytesCut, row: cut.row, ...discarded }, 'cut a torn tail past the durable mark, discarding valid but unacknowledged frames');
  }
  await state.ctx.io.truncate(seg.fd, position);
  if (state.ctx.fsync === 'always') await state.ctx.io.datasync(seg.fd);
}

function finishOpen(state: LogState, firstBatchBase: number | undefined): void {
  const first = state.segments[0];
  const last = state.segments[state.segments.length - 1];
  const lastIndex = last === undefined ? state.meta.firstIndex - 1 : last.lastIndex;
  state.firstIndex = Math.min(Math.max(state.meta.firstIndex, first?.baseIndex ?? 1), lastIndex + 1);
  state.lastIndex = lastIndex;
  state.durableLastIndex = lastIndex;
  state.terms.compactBefore(state.firstIndex - 1);
  if (firstBatchBase !== undefined) state.logStartOffset = firstBatchBase;
  state.nextOffset = Math.max(state.nextOffset, state.logStartOffset);
  state.durableNextOffset = state.nextOffset;
  state.indexedLastIndex = lastIndex;
  state.indexedNextOffset = state.nextOffset;
}

/**
 * One Raft log (the `__meta` log or a partition's log). Appends are group-committed by the store;
 * `firstIndex`, `lastIndex`, `termAt` and `readSync` are synchronous for the pure Raft core.
 */
import type { LogState, Waiter } from './log-state.js';
import type { WalBatchOp } from './context.js';
import type { Entry, HardState, SegmentInfo, Snapshot } from './entry.js';
import { EntryType } from './entry.js';
import { MAX_FRAME_PAYLOAD_BYTES } from './frame.js';
import { readBatchFields } from './kafka-batch.js';
import { completeRound, failLog, indexFlushed, journalParts, matchesPreview, previewRound, syncRound, takeIndexOps, trimOnClose, wakeDurable, writeRound } from './log-write.js';
import type { RoundResult, WrittenRound } from './log-write.js';
import type { JournalPart } from './journal.js';
import type { ReadAlloc } from './reader.js';
import { read, readSync } from './log-read.js';
import { findOffset, findTimestamp } from './log-lookup.js';
import { deletePrefix, installSnapshot, truncateSuffix } from './log-ops.js';
import { WalClosedError, WalCompactedError, WalOverloadedError } from './errors.js';
import { StorageError } from '../util/errors.js';
import { assert, AssertionError } from '../util/assert.js';

/** What a log needs from its store: to join the next sync round, and to share hard-state syncs. */
export interface LogHost {
  markDirty(log: WalLog): void;
  saveHardState(log: WalLog, key: Buffer, hs: HardState, sync: boolean): Promise<void>;
  /** Writes every log's pending index ops to LevelDB now. */
  flushIndex(): Promise<void>;
  /**
   * A journal checkpoint if the store's journal holds records of this log — of one of
   * `segmentBases` when given (the segments a rewrite cuts or removes) — before a rewrite or close.
   */
  checkpointFor(log: WalLog, segmentBases?: readonly number[]): Promise<void>;
  /** The log closes although its checkpoint failed: make its journaled segments durable first. */
  releaseSegments(log: WalLog, fds: readonly number[]): Promise<void>;
  forget(log: WalLog): void;
}

export class WalLog {
  /** Serialises the rewriting operations (truncate, delete prefix, snapshot) of this log. */
  private exclusive: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: LogState,
    private readonly host: LogHost,
  ) {}

  get logId(): string {
    return this.state.logId;
  }
  get firstIndex(): number {
    return this.state.firstIndex;
  }
  get lastIndex(): number {
    return this.state.lastIndex;
  }
  /** Last index whose append has resolved (durable). */
  get durableLastIndex(): number {
    return this.state.durableLastIndex;
  }
  get hardState(): HardState {
    return { ...this.state.hardState };
  }
  get snapshot(): Snapshot | undefined {
    return this.state.snapshot;
  }
  get nextOffset(): number {
    return this.state.nextOffset;
  }
  get logStartOffset(): number {
    return this.state.logStartOffset;
  }
  get sizeBytes(): number {
    return this.state.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  }
  /** Why the log refuses work, if it does. */
  get failure(): Error | undefined {
    return this.state.failed;
  }

  segments(): SegmentInfo[] {
    return this.state.segments.map((s) => ({ baseIndex: s.baseIndex, lastIndex: s.lastIndex, sizeBytes: s.sizeBytes, file: s.path }));
  }

  /** Term of entry `index`; throws WalCompactedError below firstIndex - 1, asserts ≤ lastIndex. */
  termAt(index: number): number {
    const s = this.state;
    if (index === 0) return 0;
    if (index < s.firstIndex - 1) throw new WalCompactedError(index, s.firstIndex);
    assert(index <= s.lastIndex, `termAt(${index}) beyond last index ${s.lastIndex}`);
    if (index === s.firstIndex - 1) return s.terms.at(index) ?? s.meta.prevTerm;
    const term = s.terms.at(index);
    assert(term !== undefined, `no term for ${index}`);
    return term;
  }

  /**
   * Appends contiguous entries (entries[0].index === lastIndex + 1). Resolves once they are durable;
   * rejects (and poisons the log) if the write or fsync fails. The frame and its CRC are built now;
   * payloads over 4 KiB are written as given (zero-copy), and the log keeps every `data` to serve
   * reads before it is durable, so the caller must not modify it afterwards.
   */
  append(entries: readonly Entry[]): Promise<void> {
    const s = this.state;
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (entries.length === 0) return Promise.resolve();
    let offsets: number;
    let bytes = 0;
    for (let i = 0; i < entries.length; i++) bytes += (entries[i] as Entry).data.byteLength;
    // One oversized append alone is let through, so an entry larger than the bound can still be written.
    if (s.tailBytes > 0 && s.tailBytes + bytes > s.maxPendingBytes) {
      return Promise.reject(new WalOverloadedError(`log ${s.logId} has ${s.tailBytes} bytes waiting for sync; retry after they are durable`));
    }
    try {
      offsets = this.validate(entries);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new StorageError(String(err)));
    }
    for (const e of entries) {
      s.terms.push(e.index, e.term);
      s.tail.push(e);
      s.tailFrames.push(s.stage.stage(e));
    }
    s.lastIndex += entries.length;
    s.tailBytes += bytes;
    s.nextOffset = offsets;
    this.host.markDirty(this);
    return this.waitFor(s.lastIndex);
  }

  /**
   * A promise resolved once entries up to `lastIndex` are durable. An append joins the open waiter
   * when no round has started since it was made: those entries go out in the same round (or, past
   * maxRoundBytes, in the next one, which only delays the earlier appends of the group).
   */
  private waitFor(lastIndex: number): Promise<void> {
    const s = this.state;
    const open = s.openWaiter;
    if (open !== undefined) {
      open.waiter.lastIndex = lastIndex;
      return open.done;
    }
    let waiter: Waiter | undefined;
    const done = new Promise<void>((resolve, reject) => {
      waiter = { lastIndex, resolve, reject };
    });
    assert(waiter !== undefined);
    s.waiters.push(waiter);
    s.openWaiter = { waiter, done };
    return done;
  }

  /**
   * Checks the batch; returns the next offset after it. Contiguity is a caller bug: asserted. A plain
   * loop whose assertion messages are built only on failure: this runs once per appended entry, and
   * the eager template strings (three number-to-string conversions per entry) were a quarter of
   * append's garbage at 256 appenders of 1 KiB.
   */
  private validate(entries: readonly Entry[]): number {
    const s = this.state;
    let next = s.nextOffset;
    let term = s.lastIndex >= s.firstIndex ? s.terms.lastTerm() : s.meta.prevTerm;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry;
      if (e.index !== s.lastIndex + 1 + i) assert(false, `append of ${e.index} where ${s.lastIndex + 1 + i} is next`);
      if (e.term < term) assert(false, `entry ${e.index} term ${e.term} below ${term}`);
      if (!Number.isInteger(e.type) || e.type < 0 || e.type > 255) assert(false, `entry type ${e.type}`);
      if (e.data.byteLength > MAX_FRAME_PAYLOAD_BYTES) throw new StorageError(`entry of ${e.data.byteLength} bytes is too large`);
      term = e.term;
      if (e.type !== EntryType.KAFKA_BATCH) continue;
      const b = readBatchFields(e.data);
      if (b.baseOffset < next) throw new StorageError(`record batch base offset ${b.baseOffset} below next offset ${next}`);
      next = b.lastOffset + 1;
    }
    return next;
  }

  private refusal(): Error | undefined {
    if (this.state.closed) return new WalClosedError(`log ${this.state.logId} is closed`);
    return this.state.failed;
  }

  /**
   * Called by the store's sync round. `extend` false: the round is to be made durable by the
   * journal, so extending the segment ahead (prealloc.ts) would save no fdatasync of it.
   */
  writeRound(extend = true): Promise<WrittenRound | undefined> {
    if (this.refusal() !== undefined) return Promise.resolve(undefined);
    return writeRound(this.state, extend);
  }
  /** `segmentSync` false: the store's journal made the round durable (see group-commit.ts). */
  syncRound(round: WrittenRound, segmentSync: boolean): Promise<RoundResult | undefined> {
    if (this.refusal() !== undefined) return Promise.resolve(undefined);
    return syncRound(this.state, round, segmentSync);
  }
  /** The round's segment writes, for the store's journal. */
  journalParts(round: WrittenRound): JournalPart[] {
    return journalParts(this.state, round);
  }
  /** What the next writeRound will write, if it can be known before (see previewRound). */
  previewRound(): JournalPart | undefined {
    return this.refusal() === undefined ? previewRound(this.state) : undefined;
  }
  matchesPreview(round: WrittenRound, part: JournalPart): boolean {
    return matchesPreview(round, part);
  }
  /** A failed log's rounds are not completed: failing it already rejected every append. */
  completeRound(result: RoundResult): void {
    if (this.state.failed === undefined) completeRound(this.state, result);
  }
  /** Resolves the appends that completed rounds made durable. */
  wakeDurable(): void {
    wakeDurable(this.state);
  }
  /** Accepted entries that no round has taken yet (a round takes at most maxRoundBytes). */
  hasUnwritten(): boolean {
    return this.state.failed === undefined && !this.state.closed && this.state.tail.length > this.state.inFlight;
  }
  fail(err: unknown): void {
    failLog(this.state, err);
  }
  takeIndexOps(): { ops: WalBatchOp[]; lastIndex: number; nextOffset: number } {
    return takeIndexOps(this.state);
  }
  indexFlushed(covered: { lastIndex: number; nextOffset: number }): void {
    indexFlushed(this.state, covered);
  }

  /**
   * Entries [lo, hi) within maxBytes (at least one). Bytes read from the segments land in buffers
   * from `alloc` when given (a caller that recycles them once it is done with the entries), else in
   * fresh ones; entries still in memory are views of the log's own buffers either way.
   */
  read(lo: number, hi: number, maxBytes: number, alloc?: ReadAlloc): Promise<Entry[]> {
    return read(this.state, lo, hi, maxBytes, alloc);
  }
  readSync(lo: number, hi: number, maxBytes: number): Entry[] {
    return readSync(this.state, lo, hi, maxBytes);
  }
  findOffset(offset: number): Promise<number | undefined> {
    return findOffset(this.state, offset);
  }
  findTimestamp(timestampMs: number): Promise<number | undefined> {
    return findTimestamp(this.state, timestampMs);
  }

  /** Durable once resolved; saves of many logs in the same tick share one synced LevelDB batch. */
  /**
   * Writes the hard state in the store's next LevelDB batch. `sync: false` is for a hint that may
   * lag after a power loss but survives a process crash (a commit index alone: Raft re-learns it);
   * a term or vote must be synced.
   */
  saveHardState(hs: HardState, opts: { sync?: boolean } = {}): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    this.state.hardState = { ...hs };
    return this.host.saveHardState(this, this.state.keys.hard, hs, opts.sync ?? true);
  }

  /** Segments from the one holding `afterIndex + 1` on are cut or removed. */
  truncateSuffix(afterIndex: number): Promise<void> {
    const cut = (): number[] => this.state.segments.filter((s) => s.lastIndex > afterIndex).map((s) => s.baseIndex);
    return this.rewrite(() => truncateSuffix(this.state, afterIndex), cut);
  }
  /** Segments wholly before `beforeIndex` are removed (never the last one). */
  deletePrefix(beforeIndex: number): Promise<void> {
    const removed = (): number[] => {
      const segs = this.state.segments;
      return segs.filter((_, i) => i + 1 < segs.length && (segs[i + 1]?.baseIndex ?? Infinity) <= beforeIndex).map((s) => s.baseIndex);
    };
    return this.rewrite(() => deletePrefix(this.state, beforeIndex), removed);
  }
  installSnapshot(snapshot: Snapshot): Promise<void> {
    return this.rewrite(() => installSnapshot(this.state, snapshot), () => undefined);
  }

  /**
   * Waits for pending appends, then runs `op` alone; a failure inside poisons the log. `touched`
   * names the segments `op` cuts or removes (undefined: all of them), evaluated once the appends
   * drained: the journal is checkpointed first if it holds records of one of them.
   */
  private rewrite(op: () => Promise<void>, touched: () => number[] | undefined): Promise<void> {
    const run = async (): Promise<void> => {
      const refused = this.refusal();
      if (refused !== undefined) throw refused;
      await this.drain();
      await this.host.flushIndex();
      // Recovery must never redo a journal record into a file this op cuts or removes.
      await this.host.checkpointFor(this, touched());
      const again = this.refusal();
      if (again !== undefined) throw again;
      try {
        await op();
      } catch (err) {
        if (!(err instanceof WalCompactedError) && !(err instanceof AssertionError)) failLog(this.state, err);
        throw err;
      }
    };
    const result = this.exclusive.then(run);
    this.exclusive = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every append accepted so far has settled. Bounded: no new waiters are awaited. */
  private async drain(): Promise<void> {
    const last = this.state.waiters[this.state.waiters.length - 1];
    if (last === undefined) return;
    // Later appends must not extend the waiter this drain waits behind.
    this.state.openWaiter = undefined;
    await new Promise<void>((resolve) => {
      this.state.waiters.push({ lastIndex: last.lastIndex, resolve, reject: () => resolve() });
    });
  }

  async close(): Promise<void> {
    if (this.state.closed) return;
    await this.exclusive;
    if (this.state.failed === undefined) {
      await this.drain();
      await this.host.flushIndex();
    }
    this.state.closed = true;
    try {
      // The checkpoint fdatasyncs this log's journaled segments while their files are still open.
      await this.host.checkpointFor(this);
    } catch (err) {
      // The journal keeps the records; reopening the store redoes them (the same bytes).
      this.state.log.warn({ err }, 'journal checkpoint failed while closing the log');
      await this.host.releaseSegments(
        this,
        this.state.segments.map((s) => s.fd),
      ).catch((e: unknown) => this.state.log.error({ err: e }, 'could not make the log durable before closing it; reopen the store to redo its journal'));
    }
    if (this.state.failed === undefined) {
      // After the checkpoint: the journal's records all lie within the frames, none in the hole.
      await trimOnClose(this.state).catch((err: unknown) => this.state.log.warn({ err }, 'could not trim the preallocated tail on close; the next open does'));
    }
    for (const seg of this.state.segments) await this.state.ctx.io.close(seg.fd);
    this.host.forget(this);
  }
}

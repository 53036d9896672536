/** Everything an open log knows; the WalLog methods and their helper modules share it. */
import type { Logger } from 'pino';
import type { LogKeys } from './keys.js';
import type { Segment } from './segment.js';
import type { TermRuns } from './terms.js';
import type { Entry, HardState, Snapshot } from './entry.js';
import type { LogMeta } from './meta.js';
import type { StoreContext } from './context.js';
import type { IndexTarget, Trailing } from './indexer.js';
import type { WalBatchOp } from './context.js';
import type { FrameStage } from './frame-stage.js';

export interface Waiter {
  lastIndex: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The last waiter, while later appends may still join it (see WalLog.append). */
export interface OpenWaiter {
  waiter: Waiter;
  done: Promise<void>;
}

export interface LogState extends IndexTarget {
  logId: string;
  dir: string;
  ctx: StoreContext;
  log: Logger;
  segmentBytes: number;
  /** Step of the last segment's sparse preallocation (prealloc.ts); 0: off. */
  preallocateBytes: number;
  segments: Segment[];
  terms: TermRuns;
  meta: LogMeta;
  firstIndex: number;
  /** Last entry whose bytes are durable and indexed. */
  durableLastIndex: number;
  /** Last entry accepted by append (may still be in memory). */
  lastIndex: number;
  /** Accepted but not yet durable entries, contiguous from durableLastIndex + 1. */
  tail: Entry[];
  /**
   * The staged frames of `tail` (see frame-stage.ts), built at append time: with many appenders the
   * header and CRC work for the next round overlaps the rounds in flight instead of following them.
   */
  tailFrames: Uint8Array[];
  stage: FrameStage;
  /** Payload bytes in `tail`, bounded by `maxPendingBytes`. */
  tailBytes: number;
  maxPendingBytes: number;
  /** Payload bytes one sync round takes from the tail (at least one entry). */
  maxRoundBytes: number;
  /** How many entries at the front of `tail` the rounds in flight (written or syncing) took. */
  inFlight: number;
  /** Where the next round writes in the last segment, while rounds are in flight (see writeRound). */
  writeEnd: number;
  waiters: Waiter[];
  /**
   * Appends made before the next round starts share this waiter and its promise (one promise, two
   * resolving functions and a waiter per append were most of append's garbage with hundreds of
   * appenders); a round start, a drain or a failure closes it.
   */
  openWaiter: OpenWaiter | undefined;
  /** Next Kafka offset after every accepted batch, and after every durable one. */
  nextOffset: number;
  durableNextOffset: number;
  /**
   * Index ops of durable rounds not yet written to LevelDB. The store writes them in one batch per
   * flush (by size or after a short delay), not per round: the index is derived, and a LevelDB write
   * per fsync round would cost about as much as the fsync itself.
   */
  pendingIndexOps: WalBatchOp[];
  /**
   * The ops a flush has taken and is writing to LevelDB (empty when none is in flight): until
   * `indexFlushed` moves `indexedNextOffset` past them they are in neither LevelDB's covered range
   * nor `pendingIndexOps`, so offset and timestamp lookups read them from here.
   */
  flushingIndexOps: WalBatchOp[];
  /** The marker of the latest completed round, written with the pending ops (none once flushed). */
  pendingMarker: WalBatchOp | undefined;
  /**
   * The latest completed round's unkeyed trailing batches (RoundResult.trailing), keyed with the
   * marker: the index then holds every segment's last offset and max timestamp as of the marker.
   */
  pendingTrailing: Trailing | undefined;
  /** What LevelDB's index covers: entries up to this index, batches below this offset. */
  indexedLastIndex: number;
  indexedNextOffset: number;
  logStartOffset: number;
  hardState: HardState;
  snapshot: Snapshot | undefined;
  /** Set by a failed write or fsync: the log refuses everything until reopened. */
  failed: Error | undefined;
  closed: boolean;
}

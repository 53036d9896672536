import { assert } from '../../util/assert.js';
import type { Logger } from '../../util/logger.js';
import type { Clock } from '../groups/time.js';
import { checkBatch } from './check.js';
import { ProducerEntry } from './producer-entry.js';
import { lastSequence, NO_PRODUCER_ID } from './sequence.js';
import { decodeProducerSnapshot, encodeProducerSnapshot } from './snapshot.js';
import type { CheckResult, LoggedProducerBatch, ProducerBatch, ProducerEntryView, ProducerStateConfig } from './types.js';
import { DEFAULT_PRODUCER_STATE_CONFIG } from './types.js';

export interface ProducerStateManagerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config?: Partial<ProducerStateConfig>;
}

/**
 * Idempotent-producer state of one partition. The partition leader calls check() before it
 * appends a batch and onAppended() once the batch has its offsets in the leader's log (not at
 * commit, so that pipelined batches of one producer see each other). A new leader, or a replica
 * whose log was truncated, rebuilds the state from its log (optionally starting from a snapshot),
 * so retries are recognised as duplicates across leader changes.
 */
export class ProducerStateManager {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #config: ProducerStateConfig;
  /** Ordered by last activity, oldest first: the first entry is the one to evict. */
  #producers = new Map<number, ProducerEntry>();
  #lastOffset = -1;
  #evictions = 0;

  constructor(options: ProducerStateManagerOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger.child({ module: 'producer-state' });
    this.#config = { ...DEFAULT_PRODUCER_STATE_CONFIG, ...options.config };
    assert(this.#config.batchesPerProducer >= 1 && this.#config.batchesPerProducer <= 127, 'batchesPerProducer must be 1..127');
    assert(this.#config.maxProducerIds >= 1, 'maxProducerIds must be positive');
  }

  get size(): number {
    return this.#producers.size;
  }

  /** Offset of the last batch folded into the state (-1 if none). */
  get lastOffset(): number {
    return this.#lastOffset;
  }

  entry(producerId: number): ProducerEntryView | undefined {
    return this.#producers.get(producerId);
  }

  /** Decides what to do with a batch; does not change any state. */
  check(batch: ProducerBatch): CheckResult {
    if (batch.producerId === NO_PRODUCER_ID) return { kind: 'append' };
    return checkBatch(this.#producers.get(batch.producerId), batch, this.#config.strictUnknownProducer);
  }

  /** Folds a batch the leader appended at `baseOffset` into the state. */
  onAppended(batch: ProducerBatch, baseOffset: number, timestampMs: number = this.#clock.now()): void {
    assert(baseOffset > this.#lastOffset, `batch at ${baseOffset} is not after ${this.#lastOffset}`);
    const lastOffset = baseOffset + batch.lastOffsetDelta;
    this.#lastOffset = lastOffset;
    if (batch.producerId === NO_PRODUCER_ID) return;
    let entry = this.#producers.get(batch.producerId);
    if (entry === undefined) {
      this.#makeRoom();
      entry = new ProducerEntry(batch.producerId, batch.producerEpoch, timestampMs);
    } else {
      this.#producers.delete(batch.producerId);
    }
    this.#producers.set(batch.producerId, entry);
    const meta = { firstSeq: batch.baseSequence, lastSeq: lastSequence(batch.baseSequence, batch.lastOffsetDelta), firstOffset: baseOffset, lastOffset, recordsCrc: batch.recordsCrc };
    entry.add(batch.producerEpoch, meta, timestampMs, this.#config.batchesPerProducer);
  }

  /**
   * Replaces the state with the one the log implies: `snapshot` (if any) and then every batch
   * after the snapshot's last offset, in log order.
   */
  rebuildFrom(batches: Iterable<LoggedProducerBatch>, snapshot?: Uint8Array): void {
    if (snapshot === undefined) this.clear();
    else this.restore(snapshot);
    let replayed = 0;
    for (const b of batches) {
      if (b.baseOffset <= this.#lastOffset) continue;
      this.onAppended(b, b.baseOffset, b.timestampMs);
      replayed++;
    }
    this.expire();
    this.#logger.debug({ replayed, producers: this.#producers.size, lastOffset: this.#lastOffset }, 'rebuilt producer state');
  }

  clear(): void {
    this.#producers = new Map();
    this.#lastOffset = -1;
  }

  snapshot(): Buffer {
    return encodeProducerSnapshot({ lastOffset: this.#lastOffset, entries: [...this.#producers.values()] });
  }

  /** Throws CorruptProducerSnapshotError (and keeps the current state) if the bytes are damaged. */
  restore(bytes: Uint8Array): void {
    const decoded = decodeProducerSnapshot(bytes);
    this.#producers = new Map(decoded.entries.map((e) => [e.producerId, e]));
    this.#lastOffset = decoded.lastOffset;
  }

  /**
   * Forgets producers inactive for `producerIdExpirationMs`; returns how many. The node calls it
   * periodically (Kafka: every `producer.id.expiration.check.interval.ms`, 10 minutes); it also
   * runs when the state is full and after a rebuild.
   */
  expire(nowMs: number = this.#clock.now()): number {
    let removed = 0;
    for (const [id, entry] of this.#producers) {
      if (nowMs - entry.lastTimestampMs < this.#config.producerIdExpirationMs) continue;
      this.#producers.delete(id);
      removed++;
    }
    return removed;
  }

  #makeRoom(): void {
    if (this.#producers.size < this.#config.maxProducerIds) return;
    if (this.expire() > 0 && this.#producers.size < this.#config.maxProducerIds) return;
    const oldest = this.#producers.keys().next();
    if (oldest.done === true) return;
    this.#producers.delete(oldest.value);
    this.#evictions++;
    // On the produce path: say it once, then every thousandth time, not per batch.
    if (this.#evictions % 1_000 === 1) {
      this.#logger.warn(
        { producerId: oldest.value, maxProducerIds: this.#config.maxProducerIds, evictions: this.#evictions },
        'producer state full: forgot the least recently active producer',
      );
    }
  }
}

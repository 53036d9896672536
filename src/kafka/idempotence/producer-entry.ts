import { NO_SEQUENCE } from './sequence.js';
import type { BatchMetadata, ProducerEntryView } from './types.js';

/** The state of one producer in one partition: its epoch and its last few batches (oldest first). */
export class ProducerEntry implements ProducerEntryView {
  readonly producerId: number;
  producerEpoch: number;
  lastTimestampMs: number;
  readonly batches: BatchMetadata[] = [];

  constructor(producerId: number, producerEpoch: number, lastTimestampMs: number) {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.lastTimestampMs = lastTimestampMs;
  }

  lastSeq(): number {
    return this.batches.at(-1)?.lastSeq ?? NO_SEQUENCE;
  }

  /**
   * A cached batch with exactly this epoch and sequence range and the same records, i.e. a retry of
   * it. Kafka matches on the sequence range alone, but kafkajs rolls its sequence back when a send
   * fails (even one whose batch was written) and sends its next, different batch under the same
   * sequence: answering that as a duplicate acknowledges records that were never written. When
   * both records CRCs are known they must match; the newest matching batch wins (see docs/faults.md).
   */
  findDuplicate(producerEpoch: number, firstSeq: number, lastSeq: number, recordsCrc?: number): BatchMetadata | undefined {
    if (producerEpoch !== this.producerEpoch) return undefined;
    return this.batches.findLast(
      (b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq && (b.recordsCrc === undefined || recordsCrc === undefined || b.recordsCrc === recordsCrc),
    );
  }

  /** Whether the last batch has this sequence range but other records: the client reused its sequence. */
  reusesLastSequence(firstSeq: number, lastSeq: number): boolean {
    const last = this.batches.at(-1);
    return last !== undefined && last.firstSeq === firstSeq && last.lastSeq === lastSeq;
  }

  /** Records an appended batch; a new epoch starts with a clean slate of batches. */
  add(producerEpoch: number, batch: BatchMetadata, timestampMs: number, maxBatches: number): void {
    if (producerEpoch !== this.producerEpoch) {
      this.producerEpoch = producerEpoch;
      this.batches.length = 0;
    }
    this.batches.push(batch);
    if (this.batches.length > maxBatches) this.batches.shift();
    this.lastTimestampMs = Math.max(this.lastTimestampMs, timestampMs);
  }
}

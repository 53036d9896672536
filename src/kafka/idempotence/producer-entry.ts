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

  /** A cached batch with exactly this epoch and sequence range, i.e. a retry of it. */
  findDuplicate(producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (producerEpoch !== this.producerEpoch) return undefined;
    return this.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
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

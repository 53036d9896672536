import type { KafkaError } from '../../util/errors.js';

/** The producer fields of a record batch header that idempotence looks at. */
export interface ProducerBatch {
  /** -1 for a batch from a non-idempotent producer (never checked). */
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** recordCount - 1. */
  readonly lastOffsetDelta: number;
  /**
   * CRC-32C of the batch's records section (recordsCrc in record-batch), when known: what tells a
   * retry (the same records, resent) from a different batch that reuses the sequence.
   */
  readonly recordsCrc?: number | undefined;
}

/** A batch as found in the log: with the offsets it was given and its timestamp (for expiry). */
export interface LoggedProducerBatch extends ProducerBatch {
  readonly baseOffset: number;
  /**
   * Drives expiry after a rebuild. Prefer the leader's append time: a client's CreateTime from a
   * skewed clock could expire a producer early and lose its duplicate detection.
   */
  readonly timestampMs: number;
}

/** One of the last batches of a producer, kept to answer retries with the original offsets. */
export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's records CRC (ProducerBatch.recordsCrc); undefined when it was not known. */
  readonly recordsCrc?: number | undefined;
}

export type CheckResult =
  | { readonly kind: 'append' }
  /** A retry of an already appended batch: answer with these offsets and do not append again. */
  | { readonly kind: 'duplicate'; readonly firstOffset: number; readonly lastOffset: number }
  | { readonly kind: 'error'; readonly error: KafkaError };

/** A read-only view of one producer's state. */
export interface ProducerEntryView {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly lastTimestampMs: number;
  readonly batches: readonly BatchMetadata[];
}

export interface ProducerStateConfig {
  /** Batches remembered per producer (Kafka: 5, the client's max in-flight requests with idempotence). */
  readonly batchesPerProducer: number;
  /** Producers tracked per partition; beyond it the least recently active one is forgotten. */
  readonly maxProducerIds: number;
  /** `producer.id.expiration.ms` (Kafka default: 1 day). */
  readonly producerIdExpirationMs: number;
  /**
   * Kafka 2.5+ (KIP-360) accepts any sequence from a producer it has no state for, because that
   * state may have been removed by retention. Strict mode answers UNKNOWN_PRODUCER_ID instead,
   * as older brokers did.
   */
  readonly strictUnknownProducer: boolean;
}

export const DEFAULT_PRODUCER_STATE_CONFIG: ProducerStateConfig = {
  batchesPerProducer: 5,
  maxProducerIds: 50_000,
  producerIdExpirationMs: 86_400_000,
  strictUnknownProducer: false,
};

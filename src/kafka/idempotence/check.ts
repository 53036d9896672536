import { ErrorCode, KafkaError } from '../../util/errors.js';
import type { ProducerEntry } from './producer-entry.js';
import { inSequence, lastSequence, NO_PRODUCER_EPOCH } from './sequence.js';
import type { CheckResult, ProducerBatch } from './types.js';

const APPEND: CheckResult = { kind: 'append' };

function fail(code: number, message: string): CheckResult {
  return { kind: 'error', error: new KafkaError(code, message) };
}

/**
 * The leader's decision for an idempotent batch, following Kafka's ProducerStateManager /
 * ProducerAppendInfo (2.5+): a retry of a remembered batch is a duplicate; a stale epoch is
 * fenced; a new epoch must start at sequence 0; otherwise the batch must follow the last one.
 */
export function checkBatch(entry: ProducerEntry | undefined, batch: ProducerBatch, strictUnknownProducer: boolean): CheckResult {
  if (batch.lastOffsetDelta < 0) return fail(ErrorCode.INVALID_RECORD, `negative lastOffsetDelta ${batch.lastOffsetDelta}`);
  if (batch.baseSequence < 0) {
    return fail(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `producer ${batch.producerId}: idempotent batch without a sequence`);
  }
  const lastSeq = lastSequence(batch.baseSequence, batch.lastOffsetDelta);
  const duplicate = entry?.findDuplicate(batch.producerEpoch, batch.baseSequence, lastSeq, batch.recordsCrc);
  if (duplicate !== undefined) {
    return { kind: 'duplicate', firstOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset };
  }
  const currentEpoch = entry?.producerEpoch ?? NO_PRODUCER_EPOCH;
  if (batch.producerEpoch < currentEpoch) {
    return fail(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `producer ${batch.producerId}: epoch ${batch.producerEpoch} is older than the current ${currentEpoch}`,
    );
  }
  if (currentEpoch === NO_PRODUCER_EPOCH) {
    // No state for this producer (new, expired, or removed with the log it wrote).
    if (strictUnknownProducer && batch.baseSequence !== 0) {
      return fail(ErrorCode.UNKNOWN_PRODUCER_ID, `producer ${batch.producerId} is unknown and its sequence is ${batch.baseSequence}`);
    }
    return APPEND;
  }
  if (batch.producerEpoch !== currentEpoch) {
    if (batch.baseSequence === 0) return APPEND;
    return fail(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `producer ${batch.producerId}: new epoch ${batch.producerEpoch} must start at sequence 0, not ${batch.baseSequence}`,
    );
  }
  if (entry === undefined || inSequence(entry.lastSeq(), batch.baseSequence)) return APPEND;
  // Not a retry (the records differ, see findDuplicate) but the last batch's sequence again: the
  // client rolled back a send it saw fail and now sends new records. They are written, so that what
  // it is told is acknowledged is in the log; its next sequence follows either way.
  if (batch.recordsCrc !== undefined && entry.reusesLastSequence(batch.baseSequence, lastSeq)) return APPEND;
  return fail(
    ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    `producer ${batch.producerId} epoch ${batch.producerEpoch}: sequence ${batch.baseSequence} does not follow ${entry.lastSeq()}`,
  );
}

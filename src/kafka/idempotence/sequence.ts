/** Producer sequence numbers are Int32 and wrap from Int32 MAX to 0, as in Kafka's DefaultRecordBatch. */
export const INT32_MAX = 2147483647;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

/** The sequence of a batch's last record: baseSequence + lastOffsetDelta, wrapping past Int32 MAX. */
export function lastSequence(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence > INT32_MAX - lastOffsetDelta) return lastOffsetDelta - (INT32_MAX - baseSequence) - 1;
  return baseSequence + lastOffsetDelta;
}

/** Whether `next` directly follows `last` (with the wrap-around from Int32 MAX to 0). */
export function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === INT32_MAX);
}

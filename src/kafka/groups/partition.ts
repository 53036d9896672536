import { assert } from '../../util/assert.js';

/** Java's String.hashCode(): s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in Int32 arithmetic. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) {
    hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  }
  return hash;
}

/** Kafka's Utils.abs: Math.abs, except that Int32 MIN_VALUE maps to 0 instead of overflowing. */
export function kafkaAbs(value: number): number {
  return value === -2147483648 ? 0 : Math.abs(value);
}

/**
 * The __consumer_offsets partition that owns a group, exactly as Kafka computes it
 * (`Utils.abs(groupId.hashCode) % groupMetadataTopicPartitionCount`), so clients and tools that
 * reason about group placement agree with us. The leader of that partition is the coordinator.
 */
export function groupPartitionFor(groupId: string, numPartitions: number): number {
  assert(Number.isInteger(numPartitions) && numPartitions > 0, 'numPartitions must be a positive integer');
  return kafkaAbs(javaStringHashCode(groupId)) % numPartitions;
}

import { randomUUID } from 'node:crypto';
import { assert } from '../util/assert.js';

/**
 * Topic ids are UUIDs: 16 bytes on the Kafka wire, the canonical lower-case string in events and
 * images (readable in logs and JSON). The all-zero UUID means "no id" in Kafka and is never used.
 */
export const ZERO_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isTopicId(value: string): boolean {
  return CANONICAL.test(value) && value !== ZERO_TOPIC_ID;
}

/** The production `DecideContext.newTopicId`: a random (version 4) UUID. */
export function randomTopicId(): string {
  return randomUUID();
}

export function topicIdToBytes(id: string): Uint8Array {
  assert(CANONICAL.test(id), `not a canonical topic id: ${id}`);
  return Uint8Array.from(Buffer.from(id.replaceAll('-', ''), 'hex'));
}

/** From 16 wire bytes; the zero UUID comes back as ZERO_TOPIC_ID (callers treat it as "none"). */
export function topicIdFromBytes(bytes: Uint8Array): string {
  assert(bytes.length === 16, `a topic id is 16 bytes, got ${bytes.length}`);
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

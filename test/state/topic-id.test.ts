import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTopicId, randomTopicId, topicIdFromBytes, topicIdToBytes, ZERO_TOPIC_ID } from '../../src/state/topic-id.js';
import { fcParams } from './helpers.js';

describe('topic ids', () => {
  it('round-trip between the canonical string and 16 wire bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const id = topicIdFromBytes(bytes);
        expect(topicIdToBytes(id)).toEqual(bytes);
        expect(isTopicId(id)).toBe(bytes.some((b) => b !== 0));
      }),
      fcParams(500),
    );
    expect(topicIdFromBytes(new Uint8Array(16))).toBe(ZERO_TOPIC_ID);
  });

  it('draws random, valid, distinct ids', () => {
    const ids = Array.from({ length: 100 }, () => randomTopicId());
    expect(ids.every(isTopicId)).toBe(true);
    expect(new Set(ids).size).toBe(100);
  });
});

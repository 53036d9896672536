import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../src/index.js';

describe('package entry', () => {
  it('exports typed Kafka errors carrying their code and cause', () => {
    const cause = new Error('disk');
    const error = new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'write failed', { cause });
    expect(error.code).toBe(56);
    expect(error.cause).toBe(cause);
  });
});

import { describe, expect, it } from 'vitest';
import { ProducerIdAllocator } from '../../../src/kafka/idempotence/producer-id-allocator.js';
import type { ProducerIdBlock } from '../../../src/kafka/idempotence/producer-id-allocator.js';
import { ErrorCode, KafkaError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

/** A block source the test answers by hand, standing in for the consensus-committed allocation. */
class BlockSource {
  readonly requests: { resolve(b: ProducerIdBlock): void; reject(e: Error): void }[] = [];
  #next = 0;
  constructor(readonly size: number) {}

  allocate = (): Promise<ProducerIdBlock> =>
    new Promise((resolve, reject) => {
      this.requests.push({ resolve, reject });
    });

  grant(index = this.requests.length - 1): void {
    const block = { firstProducerId: this.#next, size: this.size };
    this.#next += this.size;
    this.requests[index]?.resolve(block);
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ProducerIdAllocator', () => {
  it('concurrent callers share one block request and get distinct ids; the block refills when exhausted', async () => {
    const source = new BlockSource(3);
    const allocator = new ProducerIdAllocator({ allocateBlock: source.allocate, logger: silentLogger(), prefetchFraction: 0 });
    const first = Array.from({ length: 5 }, () => allocator.nextProducerId());
    await settle();
    expect(source.requests).toHaveLength(1);
    source.grant();
    await settle();
    // Three waiters served by block [0,3); the other two triggered exactly one more request.
    expect(source.requests).toHaveLength(2);
    source.grant();
    expect(await Promise.all(first)).toEqual([0, 1, 2, 3, 4]);
    expect(await allocator.nextProducerId()).toBe(5);
    expect(source.requests).toHaveLength(2);
  });

  it('prefetches the next block before the current one runs out', async () => {
    const source = new BlockSource(10);
    const allocator = new ProducerIdAllocator({ allocateBlock: source.allocate, logger: silentLogger(), prefetchFraction: 0.2 });
    const firstId = allocator.nextProducerId();
    source.grant();
    expect(await firstId).toBe(0);
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await allocator.nextProducerId());
    expect(source.requests).toHaveLength(1);
    ids.push(await allocator.nextProducerId()); // 2 of 10 left: prefetch starts
    expect(source.requests).toHaveLength(2);
    ids.push(await allocator.nextProducerId()); // no second prefetch while one is pending
    expect(source.requests).toHaveLength(2);
    source.grant();
    await settle();
    for (let i = 0; i < 4; i++) ids.push(await allocator.nextProducerId());
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('a failed allocation rejects the waiting callers with a retriable error; the next call retries', async () => {
    const source = new BlockSource(2);
    const allocator = new ProducerIdAllocator({ allocateBlock: source.allocate, logger: silentLogger() });
    const waiting = [allocator.nextProducerId(), allocator.nextProducerId()];
    source.requests[0]?.reject(new Error('no quorum'));
    for (const w of waiting) await expect(w).rejects.toMatchObject({ code: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS });
    const retry = allocator.nextProducerId();
    source.grant();
    expect(await retry).toBe(0);
  });

  it('bounds the callers waiting for a block', async () => {
    const source = new BlockSource(100);
    const allocator = new ProducerIdAllocator({ allocateBlock: source.allocate, logger: silentLogger(), maxWaiters: 2 });
    const a = allocator.nextProducerId();
    const b = allocator.nextProducerId();
    await expect(allocator.nextProducerId()).rejects.toBeInstanceOf(KafkaError);
    source.grant();
    expect(await Promise.all([a, b])).toEqual([0, 1]);
  });

  it('refuses a block that would hand out ids again', async () => {
    const blocks: ProducerIdBlock[] = [{ firstProducerId: 100, size: 1 }, { firstProducerId: 50, size: 10 }];
    const allocator = new ProducerIdAllocator({
      allocateBlock: async () => blocks.shift() ?? { firstProducerId: 0, size: 0 },
      logger: silentLogger(),
      prefetchFraction: 0,
    });
    expect(await allocator.nextProducerId()).toBe(100);
    await expect(allocator.nextProducerId()).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_SERVER_ERROR });
  });
});

import { ErrorCode, KafkaError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';

export interface ProducerIdBlock {
  readonly firstProducerId: number;
  readonly size: number;
}

export interface ProducerIdAllocatorOptions {
  /** Reserves the next block cluster-wide (the node commits a ProducerIdBlockAllocated event). */
  readonly allocateBlock: () => Promise<ProducerIdBlock>;
  readonly logger: Logger;
  /** Callers allowed to wait for a block at once; more get COORDINATOR_LOAD_IN_PROGRESS (retriable). */
  readonly maxWaiters?: number;
  /** Start fetching the next block when this fraction of the current one is left (Kafka: 10%); 0 disables prefetch. */
  readonly prefetchFraction?: number;
}

interface Waiter {
  resolve(id: number): void;
  reject(error: KafkaError): void;
}

/**
 * Hands out producer ids from blocks reserved through consensus, so ids are unique across the
 * cluster without a round trip per InitProducerId. Concurrent callers share one block request;
 * the next block is prefetched before the current one runs out.
 */
export class ProducerIdAllocator {
  readonly #allocateBlock: () => Promise<ProducerIdBlock>;
  readonly #logger: Logger;
  readonly #maxWaiters: number;
  readonly #prefetchFraction: number;
  #next = 0;
  #end = 0;
  #blockSize = 0;
  #prefetched: ProducerIdBlock | null = null;
  #fetching = false;
  /** Blocks must move forward: an id below this was handed out already. */
  #highWatermark = 0;
  readonly #waiters: Waiter[] = [];

  constructor(options: ProducerIdAllocatorOptions) {
    this.#allocateBlock = options.allocateBlock;
    this.#logger = options.logger.child({ module: 'producer-id-allocator' });
    this.#maxWaiters = options.maxWaiters ?? 1_000;
    this.#prefetchFraction = options.prefetchFraction ?? 0.1;
  }

  /** Ids left before a new block is needed (excluding a prefetched block). */
  get remaining(): number {
    return this.#end - this.#next;
  }

  nextProducerId(): Promise<number> {
    if (this.#waiters.length === 0) {
      const id = this.#take();
      if (id !== undefined) {
        this.#maybePrefetch();
        return Promise.resolve(id);
      }
    }
    if (this.#waiters.length >= this.#maxWaiters) {
      return Promise.reject(new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'too many callers waiting for a producer id block'));
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#fetch();
    });
  }

  #take(): number | undefined {
    if (this.#next >= this.#end && this.#prefetched !== null) this.#install(this.#prefetched);
    if (this.#next >= this.#end) return undefined;
    return this.#next++;
  }

  #install(block: ProducerIdBlock): void {
    this.#next = block.firstProducerId;
    this.#end = block.firstProducerId + block.size;
    this.#blockSize = block.size;
    this.#prefetched = null;
  }

  #maybePrefetch(): void {
    if (this.#prefetchFraction <= 0 || this.#prefetched !== null) return;
    if (this.remaining <= this.#blockSize * this.#prefetchFraction) this.#fetch();
  }

  #fetch(): void {
    if (this.#fetching) return;
    this.#fetching = true;
    this.#allocateBlock().then(
      (block) => this.#onBlock(block),
      (error: unknown) => this.#onFailure(error),
    );
  }

  #onBlock(block: ProducerIdBlock): void {
    this.#fetching = false;
    const invalid = this.#validate(block);
    if (invalid !== null) {
      this.#onFailure(new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, invalid));
      return;
    }
    this.#highWatermark = block.firstProducerId + block.size;
    if (this.#next >= this.#end) this.#install(block);
    else this.#prefetched = block;
    this.#logger.info({ firstProducerId: block.firstProducerId, size: block.size }, 'producer id block received');
    while (this.#waiters.length > 0) {
      const id = this.#take();
      if (id === undefined) break;
      this.#waiters.shift()?.resolve(id);
    }
    // Each block serves at least one waiter, so this terminates within maxWaiters rounds.
    if (this.#waiters.length > 0) this.#fetch();
    else this.#maybePrefetch();
  }

  #validate(block: ProducerIdBlock): string | null {
    if (!Number.isSafeInteger(block.firstProducerId) || !Number.isSafeInteger(block.size) || block.size < 1) {
      return `malformed producer id block ${JSON.stringify(block)}`;
    }
    if (block.firstProducerId < this.#highWatermark) {
      return `producer id block at ${block.firstProducerId} overlaps ids up to ${this.#highWatermark}`;
    }
    if (!Number.isSafeInteger(block.firstProducerId + block.size)) return 'producer id block beyond the safe integer range';
    return null;
  }

  #onFailure(error: unknown): void {
    this.#fetching = false;
    const failure =
      error instanceof KafkaError
        ? error
        : new KafkaError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'producer id block allocation failed', { cause: error });
    this.#logger.warn({ err: error, waiters: this.#waiters.length }, 'producer id block allocation failed');
    for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
  }
}

import { assert } from '../util/assert.js';
import type { Logger } from '../util/logger.js';
import { MetaWaitAbortedError, MetaWaitTimeoutError, TooManyMetaWaitersError } from './errors.js';
import type { TopicId } from './events.js';
import { NO_LEADER, topicByName, type MetadataImage, type TopicImage } from './image.js';

/**
 * Event-driven waits on the metadata image. The node calls `notify(image)` after applying each
 * committed `__meta` entry; a caller waiting for a condition (a new topic's leaders, a deletion,
 * an applied index) is resolved by the very notify that makes it true — no polling, and every
 * wait is bounded by its timeout. This is what lets CreateTopics answer only once the topic's
 * partitions have leaders, so a producer never sees NOT_LEADER_OR_FOLLOWER right after it.
 */

export const DEFAULT_MAX_WAITERS = 10_000;
/** setTimeout's own limit; a longer wait would fire at once. */
export const MAX_WAIT_MS = 2 ** 31 - 1;

export type ImagePredicate<T> = (image: MetadataImage) => T | undefined;

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** What is waited for, for the timeout error's message. */
  readonly what?: string;
}

export interface MetaWaitersOptions {
  readonly logger: Logger;
  readonly maxWaiters?: number;
}

interface Waiter {
  /** Returns true when the waiter is settled (and has removed itself). */
  check(image: MetadataImage): boolean;
  fail(error: Error): void;
}

export class MetaWaiters {
  private image: MetadataImage;
  private readonly waiters = new Set<Waiter>();
  private readonly maxWaiters: number;
  private readonly log: Logger;
  private closedReason: string | undefined;
  private warnedAtLimit = false;

  constructor(initial: MetadataImage, options: MetaWaitersOptions) {
    this.image = initial;
    this.maxWaiters = options.maxWaiters ?? DEFAULT_MAX_WAITERS;
    assert(this.maxWaiters >= 1, 'maxWaiters must be positive');
    this.log = options.logger.child({ module: 'meta-waiters' });
  }

  /** The latest applied image. */
  get current(): MetadataImage {
    return this.image;
  }

  /** How many waits are pending. */
  get size(): number {
    return this.waiters.size;
  }

  /** Called after each applied entry (or installed snapshot): settles every wait it satisfies. */
  notify(image: MetadataImage): void {
    assert(image.appliedIndex >= this.image.appliedIndex, `image index went back from ${this.image.appliedIndex} to ${image.appliedIndex}`);
    this.image = image;
    // Copy first: settled waiters delete themselves from the set while we iterate.
    for (const waiter of [...this.waiters]) waiter.check(image);
  }

  /** Resolves with the predicate's first defined result over the current and later images. */
  waitFor<T>(predicate: ImagePredicate<T>, options: WaitOptions): Promise<T> {
    assert(Number.isFinite(options.timeoutMs) && options.timeoutMs >= 0 && options.timeoutMs <= MAX_WAIT_MS, `bad timeoutMs ${options.timeoutMs}`);
    try {
      const now = predicate(this.image);
      if (now !== undefined) return Promise.resolve(now);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.closedReason !== undefined) return Promise.reject(new MetaWaitAbortedError(this.closedReason));
    if (options.signal?.aborted === true) return Promise.reject(new MetaWaitAbortedError('aborted by caller', { cause: options.signal.reason }));
    if (this.waiters.size >= this.maxWaiters) {
      // Once per overload episode, not per refused wait: an overloaded node must not flood its log.
      if (!this.warnedAtLimit) this.log.warn({ maxWaiters: this.maxWaiters }, 'metadata waiters at their limit; refusing waits');
      this.warnedAtLimit = true;
      return Promise.reject(new TooManyMetaWaitersError(this.maxWaiters));
    }
    this.warnedAtLimit = false;
    return new Promise<T>((resolve, reject) => this.register(predicate, options, resolve, reject));
  }

  private register<T>(
    predicate: ImagePredicate<T>,
    options: WaitOptions,
    resolve: (value: T) => void,
    reject: (error: Error) => void,
  ): void {
    const { signal } = options;
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.waiters.delete(waiter);
    };
    const waiter: Waiter = {
      check: (image) => {
        let value: T | undefined;
        try {
          value = predicate(image);
        } catch (error) {
          waiter.fail(error instanceof Error ? error : new Error(String(error)));
          return true;
        }
        if (value === undefined) return false;
        finish();
        resolve(value);
        return true;
      },
      fail: (error) => {
        finish();
        reject(error);
      },
    };
    const onAbort = (): void => waiter.fail(new MetaWaitAbortedError('aborted by caller', { cause: signal?.reason }));
    const timer = setTimeout(() => waiter.fail(new MetaWaitTimeoutError(options.what ?? 'metadata', options.timeoutMs)), options.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.waiters.add(waiter);
  }

  /** Rejects every pending wait (node shutdown) and refuses new ones that are not already true. */
  close(reason = 'metadata waiters closed'): void {
    this.closedReason = reason;
    for (const waiter of [...this.waiters]) waiter.fail(new MetaWaitAbortedError(reason));
  }

  /** Until every partition of every named topic has a leader; resolves with those topics. */
  waitForLeaders(topicNames: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<TopicImage[]> {
    const what = `leaders of ${topicNames.length} topic(s)`;
    return this.waitFor((image) => topicsWithLeaders(image, topicNames), signal === undefined ? { timeoutMs, what } : { timeoutMs, what, signal });
  }

  /** Until none of the topic ids is in the image any more. */
  waitForTopicsDeleted(topicIds: readonly TopicId[], timeoutMs: number, signal?: AbortSignal): Promise<true> {
    const predicate = (image: MetadataImage): true | undefined => (topicIds.some((id) => image.topicsById.has(id)) ? undefined : true);
    const what = `deletion of ${topicIds.length} topic(s)`;
    return this.waitFor(predicate, signal === undefined ? { timeoutMs, what } : { timeoutMs, what, signal });
  }

  /** Until the image reflects `__meta` index `index` (read-your-writes after a proposal commits). */
  waitForApplied(index: number, timeoutMs: number, signal?: AbortSignal): Promise<MetadataImage> {
    const predicate = (image: MetadataImage): MetadataImage | undefined => (image.appliedIndex >= index ? image : undefined);
    const what = `meta index ${index}`;
    return this.waitFor(predicate, signal === undefined ? { timeoutMs, what } : { timeoutMs, what, signal });
  }
}

/** The named topics when all exist and every partition has a leader; otherwise undefined. */
export function topicsWithLeaders(image: MetadataImage, topicNames: readonly string[]): TopicImage[] | undefined {
  const out: TopicImage[] = [];
  for (const name of topicNames) {
    const topic = topicByName(image, name);
    if (topic === undefined || topic.partitions.some((p) => p.leader === NO_LEADER)) return undefined;
    out.push(topic);
  }
  return out;
}

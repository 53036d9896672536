import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetaWaitAbortedError, MetaWaitTimeoutError, TooManyMetaWaitersError } from '../../src/state/errors.js';
import type { MetaEvent } from '../../src/state/events.js';
import { applyCommitted } from '../../src/state/evolve.js';
import { type MetadataImage, topicByName } from '../../src/state/image.js';
import { MetaWaiters } from '../../src/state/waiters.js';
import { AssertionError } from '../../src/util/assert.js';
import { ErrorCode } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/logger.js';
import { counterCtx, imageWithBrokers, run } from './helpers.js';

/** A node's apply loop in miniature: apply a committed event, then notify the waiters. */
function applier(waiters: MetaWaiters): (event: MetaEvent) => MetadataImage {
  return (event) => {
    const img = applyCommitted(waiters.current, event, waiters.current.appliedIndex + 1, 1);
    waiters.notify(img);
    return img;
  };
}

function withTopic(): MetadataImage {
  const cmd = { type: 'CreateTopics' as const, validateOnly: false, topics: [{ name: 'orders', numPartitions: 2, replicationFactor: 2 }] };
  return run(imageWithBrokers([1, 2, 3]), cmd, counterCtx()).image;
}

function elect(image: MetadataImage, partition: number, epoch = 1): MetaEvent {
  const t = topicByName(image, 'orders');
  return { type: 'LeaderElected', v: 1, topicId: t?.topicId ?? '', partition, leaderId: t?.partitions[partition]?.replicas[0] ?? -1, leaderEpoch: epoch };
}

describe('MetaWaiters with real timers', () => {
  it('resolves immediately when the current image already satisfies the predicate', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    await expect(waiters.waitFor((img) => topicByName(img, 'orders')?.name, { timeoutMs: 1000 })).resolves.toBe('orders');
    expect(waiters.size).toBe(0);
  });

  it('waitForLeaders resolves on the notify that elects the last leader, not before', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    const apply = applier(waiters);
    let settled = false;
    const wait = waiters.waitForLeaders(['orders'], 5000).then((topics) => {
      settled = true;
      return topics;
    });
    apply(elect(waiters.current, 0));
    // Drain the microtask queue so that a premature resolution would have been seen.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(waiters.size).toBe(1);
    const last = apply(elect(waiters.current, 1));
    const topics = await wait;
    expect(topics.map((t) => t.partitions.map((p) => p.leader !== -1))).toEqual([[true, true]]);
    expect(topics[0]).toBe(topicByName(last, 'orders'));
    expect(waiters.size).toBe(0);
  });

  it('waitForLeaders waits for a topic that does not exist yet', async () => {
    const waiters = new MetaWaiters(imageWithBrokers([1]), { logger: silentLogger() });
    const apply = applier(waiters);
    const wait = waiters.waitForLeaders(['later'], 5000);
    const { events } = run(waiters.current, { type: 'CreateTopics', validateOnly: false, topics: [{ name: 'later', numPartitions: 1, replicationFactor: 1 }] }, counterCtx());
    for (const e of events) apply(e);
    const id = topicByName(waiters.current, 'later')?.topicId ?? '';
    apply({ type: 'LeaderElected', v: 1, topicId: id, partition: 0, leaderId: 1, leaderEpoch: 1 });
    await expect(wait).resolves.toHaveLength(1);
  });

  it('waitForApplied and waitForTopicsDeleted resolve on the matching event', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    const apply = applier(waiters);
    const id = topicByName(waiters.current, 'orders')?.topicId ?? '';
    const applied = waiters.waitForApplied(waiters.current.appliedIndex + 1, 5000);
    const deleted = waiters.waitForTopicsDeleted([id], 5000);
    apply({ type: 'TopicDeleted', v: 1, topicId: id });
    await expect(applied).resolves.toBe(waiters.current);
    await expect(deleted).resolves.toBe(true);
  });

  it('rejects with a typed timeout error at its bound', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    const started = performance.now();
    const error = await waiters.waitForLeaders(['orders'], 30).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(error).toBeInstanceOf(MetaWaitTimeoutError);
    expect((error as MetaWaitTimeoutError).code).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect((error as MetaWaitTimeoutError).message).toMatch(/30 ms waiting for leaders of 1 topic/);
    expect(waiters.size).toBe(0);
  });
});

describe('MetaWaiters bounds and cleanup (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('clears its timer when resolved, timed out, aborted or closed', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    const apply = applier(waiters);
    const resolved = waiters.waitFor((img) => (img.appliedIndex > 100 ? true : undefined), { timeoutMs: 10_000 });
    const timedOut = waiters.waitFor(() => undefined, { timeoutMs: 500 }).catch((e: unknown) => e);
    const controller = new AbortController();
    const aborted = waiters.waitFor(() => undefined, { timeoutMs: 10_000, signal: controller.signal }).catch((e: unknown) => e);
    const closed = waiters.waitFor(() => undefined, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(vi.getTimerCount()).toBe(4);

    while (waiters.current.appliedIndex <= 100) apply({ type: 'BrokerConfigChanged', v: 1, brokerId: null, set: { n: String(waiters.current.appliedIndex) }, deleted: [] });
    await expect(resolved).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(3);

    vi.advanceTimersByTime(499);
    expect(waiters.size).toBe(3);
    vi.advanceTimersByTime(1);
    expect(await timedOut).toBeInstanceOf(MetaWaitTimeoutError);
    expect(vi.getTimerCount()).toBe(2);

    controller.abort(new Error('client went away'));
    const abortError = await aborted;
    expect(abortError).toBeInstanceOf(MetaWaitAbortedError);
    expect((abortError as MetaWaitAbortedError).cause).toEqual(new Error('client went away'));
    expect(vi.getTimerCount()).toBe(1);

    waiters.close('node stopping');
    expect(await closed).toBeInstanceOf(MetaWaitAbortedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(waiters.size).toBe(0);
    await expect(waiters.waitFor(() => undefined, { timeoutMs: 10 })).rejects.toThrow(/node stopping/);
    await expect(waiters.waitFor(() => 1, { timeoutMs: 10 })).resolves.toBe(1);
  });

  it('bounds the number of waiters with a typed error', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger(), maxWaiters: 3 });
    const pending = [1, 2, 3].map(() => waiters.waitFor(() => undefined, { timeoutMs: 1000 }).catch((e: unknown) => e));
    await expect(waiters.waitFor(() => undefined, { timeoutMs: 1000 })).rejects.toBeInstanceOf(TooManyMetaWaitersError);
    expect(vi.getTimerCount()).toBe(3);
    vi.advanceTimersByTime(1000);
    for (const p of pending) expect(await p).toBeInstanceOf(MetaWaitTimeoutError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('warns once per overload episode, not once per refused wait', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const waiters = new MetaWaiters(withTopic(), { logger, maxWaiters: 1 });
    const first = waiters.waitForApplied(waiters.current.appliedIndex + 1, 1000);
    for (let i = 0; i < 3; i++) await expect(waiters.waitForApplied(1_000_000, 1000)).rejects.toBeInstanceOf(TooManyMetaWaitersError);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ module: 'meta-waiters', maxWaiters: 1 });
    applier(waiters)({ type: 'TopicDeleted', v: 1, topicId: 'none' });
    await first;
    const second = waiters.waitForApplied(waiters.current.appliedIndex + 1, 1000).catch((e: unknown) => e);
    await expect(waiters.waitForApplied(1_000_000, 1000)).rejects.toBeInstanceOf(TooManyMetaWaitersError);
    expect(lines).toHaveLength(2);
    waiters.close();
    expect(await second).toBeInstanceOf(MetaWaitAbortedError);
  });

  it('holds 10,000 waiters by default and settles them all from one notify', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    const target = waiters.current.appliedIndex + 1;
    const all = Array.from({ length: 10_000 }, () => waiters.waitForApplied(target, 60_000));
    await expect(waiters.waitForApplied(target, 60_000)).rejects.toBeInstanceOf(TooManyMetaWaitersError);
    applier(waiters)({ type: 'TopicDeleted', v: 1, topicId: 'none' });
    expect((await Promise.all(all)).every((img) => img.appliedIndex === target)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a throwing predicate rejects only its own wait; an already-aborted signal rejects at once', async () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    let armed = false;
    const bad = waiters.waitFor(() => {
      if (armed) throw new RangeError('bad predicate');
      return undefined;
    }, { timeoutMs: 1000 }).catch((e: unknown) => e);
    const good = waiters.waitForApplied(waiters.current.appliedIndex + 1, 1000);
    armed = true;
    applier(waiters)({ type: 'TopicDeleted', v: 1, topicId: 'none' });
    expect(await bad).toBeInstanceOf(RangeError);
    await expect(good).resolves.toBeDefined();
    await expect(waiters.waitFor(() => undefined, { timeoutMs: 10, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(MetaWaitAbortedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses an image older than the current one (the apply loop must be monotonic)', () => {
    const waiters = new MetaWaiters(withTopic(), { logger: silentLogger() });
    expect(() => waiters.notify(imageWithBrokers([]))).toThrow(AssertionError);
  });
});

import { describe, expect, it } from 'vitest';
import { waitForAny } from '../../../src/node/partition/fetch-wait.js';
import { WatermarkWaiters } from '../../../src/node/partition/watermark-waiters.js';
import { ErrorCode, KafkaError } from '../../../src/util/errors.js';

/** Whether `p` has settled by the time the already-queued callbacks ran (no timer involved). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('waitForAny (a long-poll over several partitions)', () => {
  it('wakes when one partition passes its offset and leaves no registration behind', async () => {
    const a = new WatermarkWaiters();
    const b = new WatermarkWaiters();
    const wait = waitForAny([{ waiters: a, offset: 5, highWatermark: 5 }, { waiters: b, offset: 9, highWatermark: 9 }], 60_000, new AbortController().signal);
    expect([a.size, b.size]).toEqual([1, 1]);
    a.advance(5);
    b.advance(9);
    expect(await settled(wait)).toBe(false);
    b.advance(10);
    expect(await settled(wait)).toBe(true);
    expect([a.size, b.size]).toEqual([0, 0]);
    // A later advance past the other offset finds nothing to wake.
    a.advance(6);
    expect(a.size).toBe(0);
  });

  it('returns at once when data is already there, with no target, or with no wait', async () => {
    const a = new WatermarkWaiters();
    const signal = new AbortController().signal;
    expect(await settled(waitForAny([{ waiters: a, offset: 3, highWatermark: 4 }], 60_000, signal))).toBe(true);
    expect(await settled(waitForAny([], 60_000, signal))).toBe(true);
    expect(await settled(waitForAny([{ waiters: a, offset: 4, highWatermark: 4 }], 0, signal))).toBe(true);
    expect(a.size).toBe(0);
  });

  it('ends at the bound, on abort, and on wakeAll, unregistering each time', async () => {
    const a = new WatermarkWaiters();
    const started = performance.now();
    await waitForAny([{ waiters: a, offset: 0, highWatermark: 0 }], 30, new AbortController().signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(a.size).toBe(0);

    const controller = new AbortController();
    const aborted = waitForAny([{ waiters: a, offset: 0, highWatermark: 0 }], 60_000, controller.signal);
    controller.abort();
    expect(await settled(aborted)).toBe(true);
    expect(a.size).toBe(0);

    const woken = waitForAny([{ waiters: a, offset: 0, highWatermark: 0 }], 60_000, new AbortController().signal);
    a.wakeAll();
    expect(await settled(woken)).toBe(true);
    expect(a.size).toBe(0);
  });

  it('rejects with REQUEST_TIMED_OUT when a partition has too many waiting fetches, registering nothing', async () => {
    const free = new WatermarkWaiters();
    const full = new WatermarkWaiters(1);
    const first = waitForAny([{ waiters: full, offset: 0, highWatermark: 0 }], 60_000, new AbortController().signal);
    const second = waitForAny([{ waiters: free, offset: 0, highWatermark: 0 }, { waiters: full, offset: 0, highWatermark: 0 }], 60_000, new AbortController().signal);
    const err = await second.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect([free.size, full.size]).toEqual([0, 1]);
    full.advance(1);
    await first;
    expect(full.size).toBe(0);
  });
});

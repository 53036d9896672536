import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Role } from '../../src/raft/core/index.js';
import type { GroupStatus } from '../../src/raft/driver/index.js';
import { GroupCoordinator, InMemoryGroupLog, systemClock, systemScheduler, type GroupRecord } from '../../src/kafka/groups/index.js';
import { MAX_LAG_GROUPS, NodeMetrics, readGroupLag } from '../../src/node/metrics/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { pulledCounter } from '../../src/node/metrics/pulled-counter.js';
import { boundedAllSettled, DeadlinePassedError, pickSuccessor } from '../../src/node/shutdown/index.js';
import { parsePrometheus, total } from './prometheus.js';

function status(match: [number, number][]): GroupStatus {
  const members = { voters: match.map(([id]) => id), learners: [] };
  return { groupId: 'g', role: Role.LEADER, term: 3, leader: 0, commit: 10, applied: 10, firstIndex: 1, lastIndex: 12, match: new Map(match), members, quiesced: false };
}

describe('pickSuccessor', () => {
  it('prefers a live in-sync follower, then the highest match; never itself or a dead node', () => {
    const s = status([[0, 12], [1, 12], [2, 11], [3, 5]]);
    expect(pickSuccessor(s, 0, new Set([0, 1, 2, 3]), new Set([0, 2]))).toBe(2);
    expect(pickSuccessor(s, 0, new Set([0, 1, 2, 3]), undefined)).toBe(1);
    expect(pickSuccessor(s, 0, new Set([0, 3]), new Set([0, 1, 2]))).toBe(3);
    expect(pickSuccessor(s, 0, new Set([0]), undefined)).toBeUndefined();
  });
});

describe('boundedAllSettled', () => {
  it('never runs more than the bound at once and settles every item in order', async () => {
    let running = 0;
    let peak = 0;
    const results = await boundedAllSettled([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await Promise.resolve();
      running--;
      if (n === 4) throw new Error('four');
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'x'))).toEqual([10, 20, 30, 'x', 50, 60, 70]);
    expect(await boundedAllSettled([], 4, async () => 1)).toEqual([]);
  });

  it('starts nothing once the deadline has passed, settling the rest as DeadlinePassedError', async () => {
    let started = 0;
    const results = await boundedAllSettled([1, 2, 3], 2, async (n) => (started++, n), performance.now() - 1);
    expect(started).toBe(0);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof DeadlinePassedError)).toBe(true);
  });
});

describe('pulledCounter', () => {
  it('advances by the growth of its source and takes a source that went backwards as a new baseline', async () => {
    const registry = new Registry();
    let value = 5;
    pulledCounter(registry, { name: 'x_total', help: 'x' }, () => [{ labels: {}, value }]);
    const read = async (): Promise<number> => total(parsePrometheus(await registry.metrics()), 'x_total');
    expect(await read()).toBe(5);
    value = 9;
    expect(await read()).toBe(9);
    value = 2; // the source restarted
    expect(await read()).toBe(9);
    value = 4;
    expect(await read()).toBe(11);
  });
});

describe('NodeMetrics', () => {
  it('keeps two nodes in one process apart (own registries, node_id label) and counts Kafka requests per API and code', async () => {
    const a = new NodeMetrics(1);
    const b = new NodeMetrics(2);
    a.kafka.requestCompleted(0, 9, 0, 2);
    a.kafka.requestCompleted(0, 9, 6, 3);
    a.kafka.requestCompleted(3, 12, 0, 1);
    b.kafka.requestCompleted(1, 12, 0, 500);
    a.observeFsync(0.002);
    const fa = parsePrometheus(await a.scrape());
    const fb = parsePrometheus(await b.scrape());
    expect(total(fa, 'chronik_kafka_requests_total', { api: 'Produce' })).toBe(2);
    expect(total(fa, 'chronik_kafka_request_errors_total', { api: 'Produce', error_code: '6' })).toBe(1);
    expect(total(fa, 'chronik_kafka_request_errors_total', { api: 'Metadata' })).toBe(0);
    expect(total(fa, 'chronik_kafka_requests_total', { api: 'Fetch' })).toBe(0);
    expect(total(fb, 'chronik_kafka_requests_total', { api: 'Fetch', node_id: '2' })).toBe(1);
    expect(total(fb, 'chronik_kafka_request_duration_seconds_bucket', { api: 'Fetch', le: '0.25' })).toBe(0);
    expect(total(fb, 'chronik_kafka_request_duration_seconds_bucket', { api: 'Fetch', le: '0.5' })).toBe(1);
    expect(total(fa, 'chronik_wal_fsync_duration_seconds_count')).toBe(1);
    expect(total(fb, 'chronik_wal_fsync_duration_seconds_count')).toBe(0);
  });
});

describe('event loop metrics', () => {
  it('counts the loop\'s busy seconds, advancing between scrapes, and exports its idle seconds', async () => {
    const m = new NodeMetrics(1);
    const first = parsePrometheus(await m.scrape());
    // Keep the loop busy for a measurable while, then let it wait on a timer.
    const until = performance.now() + 30;
    while (performance.now() < until) Math.sqrt(Math.random());
    await new Promise<void>((resolve) => setTimeout(resolve, 30));
    const second = parsePrometheus(await m.scrape());
    const busy = [first, second].map((f) => total(f, 'chronik_eventloop_busy_seconds_total'));
    const idle = [first, second].map((f) => total(f, 'chronik_eventloop_idle_seconds_total'));
    expect(busy[0]).toBeGreaterThan(0);
    expect((busy[1] ?? 0) - (busy[0] ?? 0)).toBeGreaterThanOrEqual(0.025);
    // Idle time is accounted by libuv when the loop leaves its poll phase; in a test runner's worker
    // thread it may not be, so only its presence and monotonicity are checked here.
    expect(idle[0]).toBeGreaterThanOrEqual(0);
    expect(idle[1] ?? 0).toBeGreaterThanOrEqual(idle[0] ?? 0);
  });
});

describe('produce batch metrics', () => {
  it('observes each appended batch in the bytes and records histograms', async () => {
    const m = new NodeMetrics(1);
    m.observeBatch(700, 1);
    m.observeBatch(70_000, 200);
    const f = parsePrometheus(await m.scrape());
    expect(total(f, 'chronik_produce_batch_size_bytes_count')).toBe(2);
    expect(total(f, 'chronik_produce_batch_size_bytes_sum')).toBe(70_700);
    expect(total(f, 'chronik_produce_batch_size_bytes_bucket', { le: '1024' })).toBe(1);
    expect(total(f, 'chronik_produce_batch_size_bytes_bucket', { le: '262144' })).toBe(2);
    expect(total(f, 'chronik_produce_batch_records_bucket', { le: '1' })).toBe(1);
    expect(total(f, 'chronik_produce_batch_records_bucket', { le: '250' })).toBe(2);
    expect(total(f, 'chronik_produce_batch_records_sum')).toBe(201);
  });
});

describe('readGroupLag', () => {
  const offset = (groupId: string, topic: string, partition: number, at: number): GroupRecord => ({ kind: 'offset', groupId, topic, partition, offset: at, leaderEpoch: -1, metadata: '', commitTimestampMs: 0 });

  /** A real coordinator owning its single offsets partition, loaded with the given commits. */
  async function coordinatorWith(records: GroupRecord[]): Promise<GroupCoordinator> {
    const c = new GroupCoordinator({ log: new InMemoryGroupLog(), clock: systemClock(), scheduler: systemScheduler(), logger: silentLogger(), config: { numPartitions: 1 } });
    await c.loadPartition(0, records);
    return c;
  }

  it('sums high watermark - committed offset per group, largest lag first, and counts partitions not hosted here', async () => {
    const c = await coordinatorWith([offset('a', 't', 0, 5), offset('a', 't', 1, 10), offset('b', 't', 0, 20), offset('c', 'u', 0, 3), offset('d', 't', 1, 4)]);
    try {
      const hw = new Map([['t/0', 20], ['t/1', 10]]);
      const reading = await readGroupLag(c, (topic, partition) => hw.get(`${topic}/${partition}`));
      expect(reading).toEqual({
        groups: [
          { group: 'a', lag: 15 },
          { group: 'd', lag: 6 },
          { group: 'b', lag: 0 },
          { group: 'c', lag: 0 },
        ],
        unknownPartitions: 1,
        omittedGroups: 0,
      });
    } finally {
      c.stop();
    }
  });

  it('exports at most MAX_LAG_GROUPS groups (the most lagging) and counts the rest as omitted', async () => {
    const n = MAX_LAG_GROUPS + 50;
    const c = await coordinatorWith(Array.from({ length: n }, (_, i) => offset(`g${String(i).padStart(3, '0')}`, 't', 0, i)));
    try {
      const reading = await readGroupLag(c, () => 1_000);
      expect(reading.groups).toHaveLength(MAX_LAG_GROUPS);
      expect(reading.omittedGroups).toBe(50);
      expect(reading.groups[0]).toEqual({ group: 'g000', lag: 1_000 });
      expect(reading.groups.at(-1)).toEqual({ group: `g0${MAX_LAG_GROUPS - 1}`, lag: 1_000 - (MAX_LAG_GROUPS - 1) });
    } finally {
      c.stop();
    }
  });

  it('reads nothing from a stopped coordinator', async () => {
    const c = await coordinatorWith([offset('a', 't', 0, 1)]);
    c.stop();
    expect(await readGroupLag(c, () => 10)).toEqual({ groups: [], unknownPartitions: 0, omittedGroups: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { NotLeaderError, ErrorCode } from '../../../src/util/errors.js';
import type { OffsetCommitRequest } from '../../../src/kafka/groups/types.js';
import { formGroup, joinRequest, peek, protocols, startCoordinator } from './harness.js';

function commit(memberId: string, generationId: number, offsets: Record<string, number>, groupId = 'g'): OffsetCommitRequest {
  const byTopic = new Map<string, { partition: number; offset: number; leaderEpoch: number; metadata: string | null }[]>();
  for (const [tp, offset] of Object.entries(offsets)) {
    const [topic = '', partition = '0'] = tp.split(':');
    const list = byTopic.get(topic) ?? [];
    list.push({ partition: Number(partition), offset, leaderEpoch: 3, metadata: `m${offset}` });
    byTopic.set(topic, list);
  }
  return { groupId, generationId, memberId, groupInstanceId: null, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
}

function codes(result: { topics: readonly { partitions: readonly { errorCode: number }[] }[] }): number[] {
  return result.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

describe('offset commit and fetch', () => {
  it('commits from a group member and fetches them back, per partition and "all partitions"', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a']);
    const r = await h.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 10, 'orders:1': 20, 'payments:0': 5 }));
    expect(codes(r)).toEqual([0, 0, 0]);
    const fetched = await h.coordinator.fetchOffsets({ groupId: 'g', topics: [{ topic: 'orders', partitions: [1, 7] }] });
    expect(fetched.topics).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 1, offset: 20, leaderEpoch: 3, metadata: 'm20', errorCode: 0 },
          { partition: 7, offset: -1, leaderEpoch: -1, metadata: '', errorCode: 0 },
        ],
      },
    ]);
    const all = await h.coordinator.fetchOffsets({ groupId: 'g', topics: null });
    expect(all.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.offset])])).toEqual([
      ['orders', [[0, 10], [1, 20]]],
      ['payments', [[0, 5]]],
    ]);
    const none = await h.coordinator.fetchOffsets({ groupId: 'unknown', topics: null });
    expect(none).toEqual({ errorCode: 0, topics: [] });
  });

  it('offsets survive a coordinator failover: a new coordinator loads them from the same group log', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a']);
    await h.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 10 }));
    await h.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 11, 'orders:2': 3 }));
    await h.coordinator.commitOffsets(commit('', -1, { 'orders:0': 99 }, 'simple'));
    h.coordinator.unloadPartition(h.coordinator.partitionFor('g'));
    expect((await h.coordinator.fetchOffsets({ groupId: 'g', topics: null })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const h2 = await startCoordinator({}, { time: h.time, log: h.log });
    const all = await h2.coordinator.fetchOffsets({ groupId: 'g', topics: null });
    expect(all.topics[0]?.partitions.map((p) => [p.partition, p.offset, p.metadata])).toEqual([[0, 11, 'm11'], [2, 3, 'm3']]);
    const simple = await h2.coordinator.fetchOffsets({ groupId: 'simple', topics: [{ topic: 'orders', partitions: [0] }] });
    expect(simple.topics[0]?.partitions[0]?.offset).toBe(99);
    // The member committed within the same generation, which the new coordinator knows.
    const again = await h2.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 12 }));
    expect(codes(again)).toEqual([0]);
  });

  it('answers only after the log committed, and reports append failures as coordinator errors', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a']);
    h.log.failAppends(new NotLeaderError('lost leadership', 2));
    expect(codes(await h.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 1 })))).toEqual([ErrorCode.NOT_COORDINATOR]);
    h.log.failAppends(new Error('replication timed out'));
    expect(codes(await h.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 1 })))).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    h.log.failAppends(null);
    // Nothing failed was applied.
    const fetched = await h.coordinator.fetchOffsets({ groupId: 'g', topics: [{ topic: 'orders', partitions: [0] }] });
    expect(fetched.topics[0]?.partitions[0]?.offset).toBe(-1);
  });

  it('validates who may commit: generation, member, rebalance state, metadata size', async () => {
    const h = await startCoordinator({ maxOffsetMetadataBytes: 8 });
    await formGroup(h, ['a', 'b']);
    expect(codes(await h.coordinator.commitOffsets(commit('a-1', 7, { 't:0': 1 })))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(codes(await h.coordinator.commitOffsets(commit('zz', 1, { 't:0': 1 })))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // A group under management does not take generation -1 commits.
    expect(codes(await h.coordinator.commitOffsets(commit('', -1, { 't:0': 1 })))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(codes(await h.coordinator.commitOffsets(commit('a-1', 1, { 't:0': 1 }, 'nope')))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    const big = await h.coordinator.commitOffsets({
      groupId: 'g', generationId: 1, memberId: 'a-1', groupInstanceId: null,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1, leaderEpoch: -1, metadata: 'x'.repeat(9) }, { partition: 1, offset: 1, leaderEpoch: -1, metadata: 'ok' }] }],
    });
    expect(codes(big)).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE]);
    // During PreparingRebalance the current generation may still commit (onPartitionsRevoked).
    const rejoin = h.coordinator.joinGroup(joinRequest({ memberId: 'a-1', clientId: 'a' }));
    expect(codes(await h.coordinator.commitOffsets(commit('b-2', 1, { 't:2': 1 })))).toEqual([ErrorCode.NONE]);
    const rejoinB = h.coordinator.joinGroup(joinRequest({ memberId: 'b-2', clientId: 'b' }));
    await Promise.all([rejoin, rejoinB]);
    // CompletingRebalance: the new generation waits for its assignment first.
    expect(codes(await h.coordinator.commitOffsets(commit('b-2', 2, { 't:2': 2 })))).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
  });

  it('bounds the number of committed partitions per group', async () => {
    const h = await startCoordinator({ maxOffsetsPerGroup: 2 });
    const r = await h.coordinator.commitOffsets(commit('', -1, { 't:0': 1, 't:1': 1, 't:2': 1 }));
    expect(codes(r)).toEqual([0, 0, ErrorCode.INVALID_COMMIT_OFFSET_SIZE]);
    expect(codes(await h.coordinator.commitOffsets(commit('', -1, { 't:1': 5 })))).toEqual([0]);
  });

  it('deletes offsets of an empty group, and of topics a live consumer group does not consume', async () => {
    const h = await startCoordinator();
    const pa = h.coordinator.joinGroup(joinRequest({ clientId: 'a', protocols: protocols(['orders']) }));
    await h.time.advance(1_000);
    await pa;
    await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'a-1', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await h.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 1, 'old:0': 2, 'old:1': 3 }));
    const r = await h.coordinator.deleteOffsets({ groupId: 'g', topics: [{ topic: 'orders', partitions: [0] }, { topic: 'old', partitions: [0, 1] }] });
    expect(r.errorCode).toBe(0);
    expect(codes(r)).toEqual([ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 0, 0]);
    const all = await h.coordinator.fetchOffsets({ groupId: 'g', topics: null });
    expect(all.topics.map((t) => t.topic)).toEqual(['orders']);
    // The deletion is durable.
    const h2 = await startCoordinator({}, { time: h.time, log: h.log });
    expect((await h2.coordinator.fetchOffsets({ groupId: 'g', topics: null })).topics.map((t) => t.topic)).toEqual(['orders']);
    expect((await h.coordinator.deleteOffsets({ groupId: 'nope', topics: [] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('a commit is not acknowledged before the log commits it', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a']);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const realAppend = h.log.append.bind(h.log);
    // A slow replicated log: the append commits only when the test releases it.
    h.log.append = async (partition, records) => {
      await gate;
      return realAppend(partition, records);
    };
    const pending = h.coordinator.commitOffsets(commit('a-1', 1, { 'orders:0': 42 }));
    expect(await peek(pending)).toBe('pending');
    release();
    expect(codes(await pending)).toEqual([0]);
  });
});

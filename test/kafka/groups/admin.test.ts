import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/util/errors.js';
import { groupPartitionFor } from '../../../src/kafka/groups/partition.js';
import { formGroup, joinRequest, NUM_PARTITIONS, startCoordinator } from './harness.js';

describe('group administration and ownership', () => {
  it('deletes empty groups with their offsets; refuses non-empty and unknown ones', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a'], 'live');
    await h.coordinator.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', groupInstanceId: null, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 5, leaderEpoch: -1, metadata: null }] }] });
    const results = await h.coordinator.deleteGroups(['idle', 'live', 'ghost']);
    expect(results).toEqual([
      { groupId: 'idle', errorCode: ErrorCode.NONE },
      { groupId: 'live', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'ghost', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect((await h.coordinator.fetchOffsets({ groupId: 'idle', topics: null })).topics).toEqual([]);
    // Tombstones make the deletion durable across failover.
    const h2 = await startCoordinator({}, { time: h.time, log: h.log });
    expect((await h2.coordinator.describeGroups(['idle']))[0]?.state).toBe('Dead');
    expect((await h2.coordinator.fetchOffsets({ groupId: 'idle', topics: null })).topics).toEqual([]);
    expect((await h2.coordinator.listGroups()).groups.map((g) => g.groupId)).toEqual(['live']);
  });

  it('a failed deletion leaves the group in place', async () => {
    const h = await startCoordinator();
    await h.coordinator.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', groupInstanceId: null, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 5, leaderEpoch: -1, metadata: null }] }] });
    h.log.failAppends(new Error('no quorum'));
    expect(await h.coordinator.deleteGroups(['idle'])).toEqual([{ groupId: 'idle', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }]);
    h.log.failAppends(null);
    expect((await h.coordinator.describeGroups(['idle']))[0]?.state).toBe('Empty');
    expect(await h.coordinator.deleteGroups(['idle'])).toEqual([{ groupId: 'idle', errorCode: ErrorCode.NONE }]);
  });

  it('lists groups with their states, filtered case-insensitively', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a'], 'stable');
    await h.coordinator.commitOffsets({ groupId: 'empty', generationId: -1, memberId: '', groupInstanceId: null, topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }] });
    // A commit that stores nothing leaves no group behind.
    await h.coordinator.commitOffsets({ groupId: 'nothing', generationId: -1, memberId: '', groupInstanceId: null, topics: [] });
    const joining = h.coordinator.joinGroup(joinRequest({ groupId: 'joining', clientId: 'x' }));
    const all = await h.coordinator.listGroups();
    expect(all.errorCode).toBe(0);
    expect(all.groups.map((g) => [g.groupId, g.state]).sort()).toEqual([
      ['empty', 'Empty'],
      ['joining', 'PreparingRebalance'],
      ['stable', 'Stable'],
    ]);
    expect((await h.coordinator.listGroups(['stable', 'EMPTY'])).groups.map((g) => g.groupId).sort()).toEqual(['empty', 'stable']);
    expect((await h.coordinator.listGroups(['Dead'])).groups).toEqual([]);
    expect(h.coordinator.stats()).toEqual({
      groups: 3,
      members: 2,
      byState: { Empty: 1, PreparingRebalance: 1, CompletingRebalance: 0, Stable: 1, Dead: 0 },
    });
    expect(all.groups.find((g) => g.groupId === 'stable')?.protocolType).toBe('consumer');
    await h.time.advance(1_000);
    await joining;
  });

  it('answers NOT_COORDINATOR for groups of partitions it does not own and LOAD_IN_PROGRESS while loading', async () => {
    const h = await startCoordinator();
    const p = groupPartitionFor('g', NUM_PARTITIONS);
    h.coordinator.unloadPartition(p);
    expect((await h.coordinator.joinGroup(joinRequest())).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: 'x', groupInstanceId: null })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await h.coordinator.describeGroups(['g']))[0]?.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await h.coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.NOT_COORDINATOR }]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* slowRecords() {
      await gate;
      yield* [];
    }
    const loading = h.coordinator.loadPartition(p, slowRecords());
    expect(h.coordinator.coordinatorError('g')).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'x', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await h.coordinator.listGroups()).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    release();
    await loading;
    expect(h.coordinator.coordinatorError('g')).toBe(ErrorCode.NONE);
    expect(h.coordinator.ownedPartitions()).toEqual([0, 1, 2, 3]);
  });

  it('unloading answers parked joins with NOT_COORDINATOR and clears the group timers', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a', 'b']);
    const parked = h.coordinator.joinGroup(joinRequest({ memberId: 'a-1', clientId: 'a' }));
    h.coordinator.unloadPartition(h.coordinator.partitionFor('g'));
    expect((await parked).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    // Only the coordinator's retention sweep is left.
    expect(h.coordinator.timerCount()).toBe(1);
    expect(h.time.pendingTimers).toBe(1);
  });

  it('stop() clears every timer and refuses further requests', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a', 'b'], 'g1');
    await formGroup(h, ['c'], 'g2');
    expect(h.time.pendingTimers).toBeGreaterThan(0);
    h.coordinator.stop();
    expect(h.time.pendingTimers).toBe(0);
    expect((await h.coordinator.heartbeat({ groupId: 'g1', generationId: 1, memberId: 'a-1', groupInstanceId: null })).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await h.coordinator.listGroups()).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('bounds the number of groups', async () => {
    const h = await startCoordinator({ maxGroups: 2 });
    await formGroup(h, ['a'], 'g1');
    await formGroup(h, ['b'], 'g2');
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'g3' }))).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(h.coordinator.groupCount()).toBe(2);
  });

  it('describes Stable groups with metadata and assignments, other states without', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a']);
    const [stable] = await h.coordinator.describeGroups(['g']);
    expect(stable?.members[0]?.clientId).toBe('a');
    expect(stable?.members[0]?.clientHost).toBe('/127.0.0.1');
    expect(stable?.members[0]?.metadata.length).toBeGreaterThan(0);
    const rejoin = h.coordinator.joinGroup(joinRequest({ memberId: 'a-1', clientId: 'a' }));
    const [preparing] = await h.coordinator.describeGroups(['g']);
    expect(preparing?.state).toBe('CompletingRebalance');
    expect(preparing?.protocolName).toBe('');
    expect(preparing?.members[0]?.assignment.length).toBe(0);
    await rejoin;
    expect((await h.coordinator.describeGroups(['unknown']))[0]).toMatchObject({ state: 'Dead', errorCode: 0 });
  });

  it('a rejected first join leaves no group behind', async () => {
    const h = await startCoordinator({ maxGroups: 1 });
    expect((await h.coordinator.joinGroup(joinRequest({ groupId: 'bad', protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(h.coordinator.groupCount()).toBe(0);
    const ok = h.coordinator.joinGroup(joinRequest({ groupId: 'good' }));
    await h.time.advance(1_000);
    expect((await ok).errorCode).toBe(ErrorCode.NONE);
  });

  it('expires offsets after the retention period and deletes groups left empty', async () => {
    const day = 24 * 3_600_000;
    const h = await startCoordinator({ offsetsRetentionMs: 2 * day, offsetsRetentionCheckIntervalMs: 3_600_000, maxSessionTimeoutMs: 10 * day });
    const commitTo = (groupId: string, topic: string) =>
      h.coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ topic, partitions: [{ partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }] });
    await commitTo('simple', 'a');
    // A live consumer group subscribed to "orders": its "orders" offsets stay, "legacy" ones expire.
    await formGroup(h, ['c'], 'live', { sessionTimeoutMs: 5 * day });
    await h.coordinator.commitOffsets({ groupId: 'live', generationId: 1, memberId: 'c-1', groupInstanceId: null, topics: ['orders', 'legacy'].map((topic) => ({ topic, partitions: [{ partition: 0, offset: 7, leaderEpoch: -1, metadata: null }] })) });
    await h.time.advance(day);
    await commitTo('simple', 'b');
    for (let hour = 0; hour < 26; hour++) {
      await h.time.advance(3_600_000);
      await h.coordinator.heartbeat({ groupId: 'live', generationId: 1, memberId: 'c-1', groupInstanceId: null });
    }
    const simple = await h.coordinator.fetchOffsets({ groupId: 'simple', topics: null });
    expect(simple.topics.map((t) => t.topic)).toEqual(['b']);
    const live = await h.coordinator.fetchOffsets({ groupId: 'live', topics: null });
    expect(live.topics.map((t) => t.topic)).toEqual(['orders']);
    await h.time.advance(day);
    expect((await h.coordinator.describeGroups(['simple']))[0]?.state).toBe('Dead');
    expect((await h.coordinator.listGroups()).groups.map((g) => g.groupId)).toEqual(['live']);
    // Durable: a new coordinator does not resurrect them.
    const h2 = await startCoordinator({}, { time: h.time, log: h.log });
    expect((await h2.coordinator.fetchOffsets({ groupId: 'simple', topics: null })).topics).toEqual([]);
  });

  it('skips records of groups that belong to another partition instead of crashing', async () => {
    const h = await startCoordinator();
    const p = groupPartitionFor('g', NUM_PARTITIONS);
    const other = ['a', 'b', 'c', 'd', 'e', 'f'].find((id) => groupPartitionFor(id, NUM_PARTITIONS) !== p) ?? '';
    await h.coordinator.loadPartition(p, [
      { kind: 'offset', groupId: other, topic: 't', partition: 0, offset: 1, leaderEpoch: -1, metadata: '', commitTimestampMs: 0 },
      { kind: 'offset', groupId: 'g', topic: 't', partition: 0, offset: 2, leaderEpoch: -1, metadata: '', commitTimestampMs: 0 },
    ]);
    const fetched = await h.coordinator.fetchOffsets({ groupId: 'g', topics: null });
    expect(fetched.topics[0]?.partitions[0]?.offset).toBe(2);
    expect((await h.coordinator.fetchOffsets({ groupId: other, topics: null })).topics).toEqual([]);
  });

  it('a failed load gives the partition up instead of loading forever', async () => {
    const h = await startCoordinator();
    const p = groupPartitionFor('g', NUM_PARTITIONS);
    async function* broken() {
      yield { kind: 'group-tombstone' as const, groupId: 'g' };
      throw new Error('read error');
    }
    await expect(h.coordinator.loadPartition(p, broken())).rejects.toThrow('read error');
    expect(h.coordinator.coordinatorError('g')).toBe(ErrorCode.NOT_COORDINATOR);
    await h.coordinator.loadPartition(p, h.log.records(p));
    expect(h.coordinator.coordinatorError('g')).toBe(ErrorCode.NONE);
  });
});

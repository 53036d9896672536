import { describe, expect, it } from 'vitest';
import type { MetaEvent } from '../../src/state/events.js';
import { applyCommitted, evolve } from '../../src/state/evolve.js';
import { digest } from '../../src/state/image-codec.js';
import { emptyImage, NO_LEADER, partitionState, topicById, topicByName, type MetadataImage } from '../../src/state/image.js';
import { AssertionError } from '../../src/util/assert.js';
import { applyAll, imageWithBrokers, registerEvent } from './helpers.js';

const T1 = '00000000-0000-4000-8000-000000000001';
const T2 = '00000000-0000-4000-8000-000000000002';

function created(topicId: string, name: string, partitions = 2): MetaEvent {
  return {
    type: 'TopicCreated', v: 1, topicId, name, internal: false,
    partitions: Array.from({ length: partitions }, (_, p) => ({ partition: p, replicas: [p % 3, (p + 1) % 3, (p + 2) % 3] })),
    configs: { 'retention.ms': '1000' },
  };
}

function elected(topicId: string, partition: number, leaderId: number, leaderEpoch: number): MetaEvent {
  return { type: 'LeaderElected', v: 1, topicId, partition, leaderId, leaderEpoch };
}

function base(): MetadataImage {
  return applyAll(imageWithBrokers([0, 1, 2]), [created(T1, 'orders'), created(T2, 'payments', 3)]);
}

describe('evolve', () => {
  it('BrokerRegistered adds and re-registration replaces a broker', () => {
    const img = applyAll(emptyImage(), [registerEvent(1, 'r1'), { ...registerEvent(1, 'r2'), incarnation: 'second' }]);
    expect(img.brokers.size).toBe(1);
    expect(img.brokers.get(1)).toMatchObject({ rack: 'r2', incarnation: 'second', kafkaPort: 9093 });
  });

  it('ClusterInitialized sets the cluster id once; later ones are ignored', () => {
    const img = applyAll(emptyImage(), [{ type: 'ClusterInitialized', v: 1, clusterId: 'first' }]);
    expect(img.clusterId).toBe('first');
    expect(evolve(img, { type: 'ClusterInitialized', v: 1, clusterId: 'second' })).toBe(img);
  });

  it('BrokerUnregistered removes the broker and its configs; partitions keep it as an offline replica', () => {
    let img = applyAll(base(), [{ type: 'BrokerConfigChanged', v: 1, brokerId: 2, set: { 'message.max.bytes': '10' }, deleted: [] }]);
    img = evolve(img, { type: 'BrokerUnregistered', v: 1, brokerId: 2 });
    expect(img.brokers.has(2)).toBe(false);
    expect(img.brokerConfigs.has(2)).toBe(false);
    expect(partitionState(img, 'orders', 0, new Set(img.brokers.keys()))?.offlineReplicas).toEqual([2]);
    expect(evolve(img, { type: 'BrokerUnregistered', v: 1, brokerId: 2 })).toBe(img);
  });

  it('TopicCreated indexes the topic by name and id, ISR = replicas, no leader yet', () => {
    const img = base();
    const t = topicByName(img, 'orders');
    expect(t).toBe(topicById(img, T1));
    expect(t?.configs).toEqual({ 'retention.ms': '1000' });
    expect(t?.partitions.map((p) => [p.partition, p.replicas, p.isr, p.leader, p.leaderEpoch])).toEqual([
      [0, [0, 1, 2], [0, 1, 2], NO_LEADER, NO_LEADER],
      [1, [1, 2, 0], [1, 2, 0], NO_LEADER, NO_LEADER],
    ]);
  });

  it('TopicCreated with a taken name or id changes nothing', () => {
    const img = base();
    expect(evolve(img, created(T1, 'other'))).toBe(img);
    expect(evolve(img, created('00000000-0000-4000-8000-000000000009', 'orders'))).toBe(img);
  });

  it('PartitionsAdded appends contiguous partitions and ignores gaps or unknown topics', () => {
    const img = base();
    const next = evolve(img, { type: 'PartitionsAdded', v: 1, topicId: T1, partitions: [{ partition: 2, replicas: [2, 0] }] });
    expect(topicById(next, T1)?.partitions.map((p) => p.replicas)).toEqual([[0, 1, 2], [1, 2, 0], [2, 0]]);
    expect(evolve(img, { type: 'PartitionsAdded', v: 1, topicId: T1, partitions: [{ partition: 3, replicas: [2] }] })).toBe(img);
    expect(evolve(img, { type: 'PartitionsAdded', v: 1, topicId: 'nope', partitions: [{ partition: 0, replicas: [2] }] })).toBe(img);
  });

  it('TopicDeleted removes both lookups; deleting again is a no-op', () => {
    const img = evolve(base(), { type: 'TopicDeleted', v: 1, topicId: T1 });
    expect(topicByName(img, 'orders')).toBeUndefined();
    expect(topicById(img, T1)).toBeUndefined();
    expect(img.topicsById.size).toBe(1);
    expect(evolve(img, { type: 'TopicDeleted', v: 1, topicId: T1 })).toBe(img);
  });

  it('TopicConfigChanged deletes then sets', () => {
    const img = evolve(base(), { type: 'TopicConfigChanged', v: 1, topicId: T1, set: { 'cleanup.policy': 'compact' }, deleted: ['retention.ms'] });
    expect(topicById(img, T1)?.configs).toEqual({ 'cleanup.policy': 'compact' });
    const both = evolve(img, { type: 'TopicConfigChanged', v: 1, topicId: T1, set: { 'cleanup.policy': 'delete' }, deleted: ['cleanup.policy'] });
    expect(topicById(both, T1)?.configs).toEqual({ 'cleanup.policy': 'delete' });
  });

  it('BrokerConfigChanged updates the cluster-wide or one broker\'s configs', () => {
    let img = evolve(base(), { type: 'BrokerConfigChanged', v: 1, brokerId: null, set: { 'num.partitions': '3' }, deleted: [] });
    img = evolve(img, { type: 'BrokerConfigChanged', v: 1, brokerId: 1, set: { 'log.retention.ms': '5' }, deleted: [] });
    expect(img.clusterConfig).toEqual({ 'num.partitions': '3' });
    expect(img.brokerConfigs.get(1)).toEqual({ 'log.retention.ms': '5' });
    img = evolve(img, { type: 'BrokerConfigChanged', v: 1, brokerId: 1, set: {}, deleted: ['log.retention.ms'] });
    expect(img.brokerConfigs.has(1)).toBe(false);
  });

  it('LeaderElected applies newer epochs only: stale or equal epochs are ignored, in any order', () => {
    const img = applyAll(base(), [elected(T1, 0, 1, 5)]);
    expect(topicById(img, T1)?.partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 5 });
    expect(evolve(img, elected(T1, 0, 2, 4))).toBe(img);
    expect(evolve(img, elected(T1, 0, 2, 5))).toBe(img);
    const newer = evolve(img, elected(T1, 0, 2, 6));
    expect(topicById(newer, T1)?.partitions[0]).toMatchObject({ leader: 2, leaderEpoch: 6 });
    // Delivered out of order, the same elections end in the same image.
    const a = applyAll(base(), [elected(T1, 0, 1, 5), elected(T1, 0, 2, 6), elected(T1, 0, 0, 3)]);
    const b = applyAll(base(), [elected(T1, 0, 0, 3), elected(T1, 0, 2, 6), elected(T1, 0, 1, 5)]);
    expect(digest(a)).toBe(digest(b));
  });

  it('LeaderElected for a non-replica, an unknown partition or a deleted topic changes nothing', () => {
    const img = base();
    expect(evolve(img, elected(T1, 0, 7, 1))).toBe(img);
    expect(evolve(img, elected(T1, 9, 1, 1))).toBe(img);
    expect(evolve(img, elected('gone', 0, 1, 1))).toBe(img);
    const lost = evolve(evolve(img, elected(T1, 0, 1, 1)), elected(T1, 0, NO_LEADER, 2));
    expect(topicById(lost, T1)?.partitions[0]).toMatchObject({ leader: NO_LEADER, leaderEpoch: 2 });
  });

  it('IsrChanged applies within the current epoch, ignores older epochs, keeps replica order', () => {
    const img = applyAll(base(), [elected(T1, 0, 0, 3)]);
    const shrunk = evolve(img, { type: 'IsrChanged', v: 1, topicId: T1, partition: 0, isr: [2, 0, 9], leaderEpoch: 3 });
    expect(topicById(shrunk, T1)?.partitions[0]?.isr).toEqual([0, 2]);
    const grown = evolve(shrunk, { type: 'IsrChanged', v: 1, topicId: T1, partition: 0, isr: [0, 1, 2], leaderEpoch: 3 });
    expect(topicById(grown, T1)?.partitions[0]?.isr).toEqual([0, 1, 2]);
    expect(evolve(grown, { type: 'IsrChanged', v: 1, topicId: T1, partition: 0, isr: [0], leaderEpoch: 2 })).toBe(grown);
    const ahead = evolve(grown, { type: 'IsrChanged', v: 1, topicId: T1, partition: 0, isr: [1], leaderEpoch: 4 });
    expect(evolve(ahead, { type: 'IsrChanged', v: 1, topicId: T1, partition: 0, isr: [0], leaderEpoch: 3 })).toBe(ahead);
  });

  it('ProducerIdBlockAllocated raises the high-water mark; replayed blocks are ignored', () => {
    const img = evolve(base(), { type: 'ProducerIdBlockAllocated', v: 1, brokerId: 1, firstProducerId: 0, size: 1000 });
    expect(img.nextProducerId).toBe(1000);
    expect(evolve(img, { type: 'ProducerIdBlockAllocated', v: 1, brokerId: 2, firstProducerId: 0, size: 1000 })).toBe(img);
  });

  it('applyCommitted records the index and term and refuses to go backwards', () => {
    const img = applyCommitted(emptyImage(), registerEvent(1), 5, 2);
    expect([img.appliedIndex, img.appliedTerm]).toEqual([5, 2]);
    expect(() => applyCommitted(img, registerEvent(2), 5, 2)).toThrow(AssertionError);
    expect(() => applyCommitted(img, registerEvent(2), 6, 1)).toThrow(AssertionError);
  });

  it('partitionState answers leader, epoch, replicas, ISR and offline replicas', () => {
    const img = applyAll(base(), [elected(T2, 1, 2, 7)]);
    expect(partitionState(img, 'payments', 1, new Set([1, 2]))).toEqual({
      leader: 2, leaderEpoch: 7, replicas: [1, 2, 0], isr: [1, 2, 0], offlineReplicas: [0],
    });
    expect(partitionState(img, 'payments', 3, new Set())).toBeUndefined();
    expect(partitionState(img, 'nope', 0, new Set())).toBeUndefined();
  });
});

describe('immutability and structural sharing', () => {
  it('never changes an older image, and everything reachable is frozen', () => {
    const before = base();
    const snapshot = digest(before);
    const events: MetaEvent[] = [
      elected(T1, 0, 1, 1),
      { type: 'IsrChanged', v: 1, topicId: T1, partition: 0, isr: [1], leaderEpoch: 1 },
      { type: 'TopicConfigChanged', v: 1, topicId: T1, set: { 'retention.ms': '5' }, deleted: [] },
      { type: 'TopicDeleted', v: 1, topicId: T2 },
    ];
    const after = applyAll(before, events);
    expect(digest(before)).toBe(snapshot);
    expect(digest(after)).not.toBe(snapshot);
    const t = topicById(after, T1);
    for (const o of [after, t, t?.configs, t?.partitions, t?.partitions[0], t?.partitions[0]?.replicas, t?.partitions[0]?.isr]) {
      expect(Object.isFrozen(o)).toBe(true);
    }
    expect(() => {
      (t?.partitions[0]?.isr as number[]).push(2);
    }).toThrow(TypeError);
  });

  it('shares unchanged topics and partitions instead of copying them', () => {
    const img = base();
    const withNew = evolve(img, created('00000000-0000-4000-8000-000000000003', 'new'));
    expect(topicById(withNew, T1)).toBe(topicById(img, T1));
    expect(topicById(withNew, T2)).toBe(topicById(img, T2));
    expect(withNew.brokers).toBe(img.brokers);
    const elect = evolve(img, elected(T2, 1, 2, 1));
    expect(topicById(elect, T1)).toBe(topicById(img, T1));
    expect(topicById(elect, T2)?.partitions[0]).toBe(topicById(img, T2)?.partitions[0]);
    expect(topicById(elect, T2)?.partitions[2]).toBe(topicById(img, T2)?.partitions[2]);
    expect(topicById(elect, T2)?.partitions[1]).not.toBe(topicById(img, T2)?.partitions[1]);
    expect(elect.topicIdsByName).toBe(img.topicIdsByName);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignReplicas, isRackAware, placementOrder, type PlacementBroker } from '../../src/state/assignment.js';
import type { PartitionAssignment } from '../../src/state/events.js';
import { topicsByName } from '../../src/state/image.js';
import { counterCtx, fcParams, imageWithBrokers, run } from './helpers.js';

const clusterArb = fc
  .integer({ min: 1, max: 9 })
  .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }), fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: n, maxLength: n })));

function counts(ids: readonly number[], picks: readonly number[]): number[] {
  return ids.map((id) => picks.filter((p) => p === id).length);
}

function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

function slot(assignments: readonly PartitionAssignment[], j: number): number[] {
  return assignments.map((a) => a.replicas[j] ?? -1);
}

describe('replica assignment', () => {
  it('gives every partition rf distinct registered replicas, numbered on from the first partition', () => {
    fc.assert(
      fc.property(clusterArb, fc.integer({ min: 1, max: 60 }), fc.nat(1000), fc.nat(50), ([, rf, ids], count, cursor, first) => {
        const brokers = ids.map((id) => ({ id, rack: null }));
        const out = assignReplicas(brokers, first, count, rf, cursor);
        expect(out.map((a) => a.partition)).toEqual(Array.from({ length: count }, (_, i) => first + i));
        const known = new Set(ids);
        const bad = out.filter((a) => a.replicas.length !== rf || new Set(a.replicas).size !== rf || !a.replicas.every((r) => known.has(r)));
        expect(bad).toEqual([]);
        expect(assignReplicas(brokers, first, count, rf, cursor)).toEqual(out);
      }),
      fcParams(500),
    );
  });

  it('balances preferred leaders (±1 for any cursor) and every replica slot (±1 from an aligned cursor)', () => {
    fc.assert(
      fc.property(clusterArb, fc.integer({ min: 1, max: 100 }), fc.nat(1000), ([n, rf, ids], count, cursor) => {
        const brokers = ids.map((id) => ({ id, rack: null }));
        expect(spread(counts(ids, slot(assignReplicas(brokers, 0, count, rf, cursor), 0)))).toBeLessThanOrEqual(1);
        const aligned = assignReplicas(brokers, 0, count, rf, cursor - (cursor % n));
        for (let j = 0; j < rf; j++) expect(spread(counts(ids, slot(aligned, j)))).toBeLessThanOrEqual(1);
      }),
      fcParams(500),
    );
  });

  it('rack-aware: each partition spans min(rf, racks) racks and consecutive leaders alternate racks', () => {
    const rackArb = fc.constantFrom('a', 'b', 'c', 'd');
    fc.assert(
      fc.property(clusterArb, fc.array(rackArb, { minLength: 9, maxLength: 9 }), fc.integer({ min: 1, max: 40 }), fc.nat(100), ([, rf, ids], racks, count, cursor) => {
        const brokers: PlacementBroker[] = ids.map((id, i) => ({ id, rack: racks[i] ?? 'a' }));
        fc.pre(isRackAware(brokers));
        const rackOf = new Map(brokers.map((b) => [b.id, b.rack]));
        const rackCount = new Set(brokers.map((b) => b.rack)).size;
        for (const a of assignReplicas(brokers, 0, count, rf, cursor)) {
          expect(new Set(a.replicas.map((r) => rackOf.get(r))).size).toBe(Math.min(rf, rackCount));
        }
        const order = placementOrder(brokers);
        for (let i = 1; i < rackCount; i++) expect(order[i]?.rack).not.toBe(order[i - 1]?.rack);
      }),
      fcParams(500),
    );
  });

  it('is rack-unaware when some broker has no rack or all share one', () => {
    expect(isRackAware([{ id: 1, rack: 'a' }, { id: 2, rack: null }])).toBe(false);
    expect(isRackAware([{ id: 1, rack: 'a' }, { id: 2, rack: 'a' }])).toBe(false);
    expect(placementOrder([{ id: 3, rack: 'a' }, { id: 1, rack: 'a' }, { id: 2, rack: 'b' }]).map((b) => b.id)).toEqual([1, 2, 3]);
  });
});

describe('assignment through decide', () => {
  it('3 brokers, 30 topics × 3 partitions × RF 3: each broker is preferred leader of exactly a third', () => {
    let image = imageWithBrokers([1, 2, 3]);
    const ctx = counterCtx();
    for (let t = 0; t < 30; t++) {
      image = run(image, { type: 'CreateTopics', validateOnly: false, topics: [{ name: `t${t}`, numPartitions: 3, replicationFactor: 3 }] }, ctx).image;
    }
    const partitions = topicsByName(image).flatMap((t) => t.partitions);
    expect(partitions).toHaveLength(90);
    expect(counts([1, 2, 3], partitions.map((p) => p.replicas[0] ?? -1))).toEqual([30, 30, 30]);
    for (const p of partitions) expect(new Set(p.replicas).size).toBe(3);
  });

  it('keeps leaders balanced across topics of mixed sizes created one after another', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 25 }), (n, sizes) => {
        const ids = Array.from({ length: n }, (_, i) => i + 1);
        let image = imageWithBrokers(ids);
        const ctx = counterCtx();
        sizes.forEach((size, t) => {
          const cmd = { type: 'CreateTopics' as const, validateOnly: false, topics: [{ name: `t${t}`, numPartitions: size, replicationFactor: Math.min(2, n) }] };
          image = run(image, cmd, ctx).image;
        });
        const leaders = topicsByName(image).flatMap((t) => t.partitions.map((p) => p.replicas[0] ?? -1));
        expect(spread(counts(ids, leaders))).toBeLessThanOrEqual(1);
      }),
      fcParams(200),
    );
  });
});

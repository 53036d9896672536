import { assert } from '../util/assert.js';
import type { PartitionAssignment } from './events.js';

/**
 * Replica placement for new partitions. Deterministic (same brokers, same cursor → same result)
 * so that `decide` stays pure and testable.
 *
 * Preferred leaders go round-robin over the brokers, continuing from `cursor` (the number of
 * partitions placed before, cluster-wide), so leadership stays even across topics, not just
 * within one. Followers sit at a shift from the leader that changes every round of `n` partitions,
 * which spreads the leader/follower pairs instead of always pairing the same brokers.
 *
 * Rack awareness (when every broker has a rack and there are several racks): brokers are ordered
 * by alternating racks (a1, b1, c1, a2, b2, …), so consecutive leaders land on different racks,
 * and each partition's followers prefer racks it does not use yet, so a partition spans
 * min(replicationFactor, racks) racks.
 */

export interface PlacementBroker {
  readonly id: number;
  readonly rack: string | null;
}

/** Brokers in placement order: by id, or rack-alternated when rack-aware. */
export function placementOrder(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byId = [...brokers].sort((a, b) => a.id - b.id);
  if (!isRackAware(byId)) return byId;
  const racks = new Map<string, PlacementBroker[]>();
  for (const b of byId) {
    const rack = b.rack ?? '';
    racks.set(rack, [...(racks.get(rack) ?? []), b]);
  }
  const groups = [...racks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  const out: PlacementBroker[] = [];
  for (let round = 0; out.length < byId.length; round++) {
    for (const g of groups) {
      const b = g[round];
      if (b !== undefined) out.push(b);
    }
  }
  return out;
}

/** Rack-aware only when every broker names a rack and there is more than one rack. */
export function isRackAware(brokers: readonly PlacementBroker[]): boolean {
  return brokers.every((b) => b.rack !== null) && new Set(brokers.map((b) => b.rack)).size > 1;
}

export function assignReplicas(
  brokers: readonly PlacementBroker[],
  firstPartition: number,
  numPartitions: number,
  replicationFactor: number,
  cursor: number,
): PartitionAssignment[] {
  const order = placementOrder(brokers);
  const n = order.length;
  assert(replicationFactor >= 1 && replicationFactor <= n, `replication factor ${replicationFactor} with ${n} brokers`);
  const rackAware = isRackAware(order);
  const out: PartitionAssignment[] = [];
  for (let k = 0; k < numPartitions; k++) {
    const replicas = placeOne(order, cursor + k, replicationFactor, rackAware);
    out.push({ partition: firstPartition + k, replicas });
  }
  return out;
}

/** The other brokers in the order followers are tried for global position g. */
function followerCandidates(order: readonly PlacementBroker[], g: number): PlacementBroker[] {
  const n = order.length;
  if (n === 1) return [];
  const first = g % n;
  const shift = Math.floor(g / n) % (n - 1);
  const out: PlacementBroker[] = [];
  for (let t = 0; t < n - 1; t++) {
    const b = order[(first + 1 + ((shift + t) % (n - 1))) % n];
    assert(b !== undefined, 'placement index in range');
    out.push(b);
  }
  return out;
}

function placeOne(order: readonly PlacementBroker[], g: number, rf: number, rackAware: boolean): number[] {
  const leader = order[g % order.length];
  assert(leader !== undefined, 'placement leader in range');
  const chosen = [leader];
  const candidates = followerCandidates(order, g);
  const rackCount = new Set(order.map((b) => b.rack)).size;
  while (chosen.length < rf) {
    const usedRacks = new Set(chosen.map((b) => b.rack));
    const wantNewRack = rackAware && usedRacks.size < rackCount;
    const next = candidates.find((c) => !chosen.includes(c) && (!wantNewRack || !usedRacks.has(c.rack)));
    assert(next !== undefined, 'a follower candidate remains');
    chosen.push(next);
  }
  return chosen.map((b) => b.id);
}

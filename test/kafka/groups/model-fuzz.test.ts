import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JoinGroupResult, SyncGroupResult } from '../../../src/kafka/groups/types.js';
import { ErrorCode } from '../../../src/util/errors.js';
import type { Harness } from './harness.js';
import { joinRequest, protocols, startCoordinator } from './harness.js';
import { drainMicrotasks } from './virtual-time.js';

const SEED = 1_127_2026;
const SLOTS = 4;

type Op =
  | { readonly kind: 'join'; readonly slot: number; readonly altProtocol: boolean; readonly requireKnown: boolean }
  | { readonly kind: 'sync' | 'heartbeat' | 'leave' | 'commit' | 'restart'; readonly slot: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'failover' }
  /** Every client joins, time passes the initial delay, every client syncs: a cooperative round. */
  | { readonly kind: 'round' };

const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('join' as const), slot, altProtocol: fc.boolean(), requireKnown: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('sync' as const), slot }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('heartbeat' as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('commit' as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), slot }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 3_000, max: 40_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'failover' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'round' as const }) },
);

interface Client {
  memberId: string;
  readonly instanceId: string | null;
  lastJoin: JoinGroupResult | null;
}

/** Clients driving one group at random, and the invariants any run must keep. */
class World {
  h: Harness;
  readonly clients: Client[];
  readonly outstanding: Promise<unknown>[] = [];
  /**
   * (coordinator incarnation, generation) → its protocol and the one member that got the roster
   * to assign. The reported leader id may differ: a restarted static leader is told the old id on
   * purpose (KIP-345). A generation never stored may be formed again after a failover (as in
   * Kafka); member ids, unique in production, fence its old members.
   */
  readonly generations = new Map<string, { assigner: string | null; protocolName: string | null }>();
  /** Broken invariants seen in asynchronous answers; checked after every step. */
  readonly violations: string[] = [];
  incarnation = 0;
  assignedSyncs = 0;

  constructor(h: Harness) {
    this.h = h;
    this.clients = Array.from({ length: SLOTS }, (_, i) => ({ memberId: '', instanceId: i < 2 ? `static-${i}` : null, lastJoin: null }));
  }

  async apply(op: Op): Promise<void> {
    if (op.kind === 'advance') return this.h.time.advance(op.ms);
    if (op.kind === 'round') {
      for (let i = 0; i < SLOTS; i++) await this.apply({ kind: 'join', slot: i, altProtocol: false, requireKnown: false });
      await this.h.time.advance(300);
      for (let i = 0; i < SLOTS; i++) await this.apply({ kind: 'sync', slot: i });
      return this.h.time.advance(0);
    }
    if (op.kind === 'failover') {
      this.h.coordinator.stop();
      expect(this.h.time.pendingTimers).toBe(0);
      this.h = await startCoordinator({}, { time: this.h.time, log: this.h.log });
      this.incarnation++;
      return;
    }
    const c = this.clients[op.slot];
    if (c === undefined) return;
    const co = this.h.coordinator;
    const base = { groupId: 'g', memberId: c.memberId, groupInstanceId: c.instanceId };
    const generationId = c.lastJoin?.generationId ?? -1;
    switch (op.kind) {
      case 'join': {
        const p = co.joinGroup(joinRequest({ ...base, clientId: `s${op.slot}`, requireKnownMemberId: op.requireKnown, protocols: protocols(['t'], op.altProtocol ? ['rr', 'range'] : ['range', 'rr']) }));
        const incarnation = this.incarnation;
        this.track(p.then((r) => this.onJoin(c, r, incarnation)));
        return;
      }
      case 'sync': {
        const j = c.lastJoin;
        const assignments = j !== null && j.memberId === j.leaderId ? j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`gen${j.generationId}`) })) : [];
        const p = co.syncGroup({ ...base, generationId, protocolType: null, protocolName: null, assignments });
        this.track(p.then((r) => this.onSync(generationId, r)));
        return;
      }
      case 'heartbeat':
        this.track(co.heartbeat({ ...base, generationId }));
        return;
      case 'leave':
        this.track(co.leaveGroup({ groupId: 'g', members: [{ memberId: c.memberId, groupInstanceId: c.instanceId }] }));
        return;
      case 'commit':
        this.track(co.commitOffsets({ ...base, generationId, topics: [{ topic: 't', partitions: [{ partition: op.slot, offset: 1, leaderEpoch: -1, metadata: null }] }] }));
        return;
      case 'restart':
        c.memberId = '';
        c.lastJoin = null;
        return;
    }
  }

  track(p: Promise<unknown>): void {
    this.outstanding.push(p);
  }

  onJoin(c: Client, r: JoinGroupResult, incarnation: number): void {
    if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) c.memberId = r.memberId;
    if (r.errorCode !== ErrorCode.NONE) return;
    c.memberId = r.memberId;
    c.lastJoin = r;
    if (r.generationId <= 0 || r.leaderId === '') this.violations.push(`join answered without generation/leader: ${JSON.stringify(r)}`);
    // One protocol and at most one assigning leader per generation, whoever asks.
    const key = `${incarnation}/${r.generationId}`;
    const seen = this.generations.get(key) ?? { assigner: null, protocolName: r.protocolName };
    if (seen.protocolName !== r.protocolName) this.violations.push(`generation ${key}: protocol ${r.protocolName} after ${seen.protocolName}`);
    if (r.members.length > 0) {
      if (seen.assigner !== null && seen.assigner !== r.memberId) this.violations.push(`generation ${key}: second assigner ${r.memberId} after ${seen.assigner}`);
      seen.assigner = r.memberId;
    }
    this.generations.set(key, seen);
    if (r.members.length > 0 && (r.memberId !== r.leaderId || !r.members.some((m) => m.memberId === r.memberId))) {
      this.violations.push(`member list sent to a non-leader or without the leader: ${r.memberId}`);
    }
  }

  onSync(generationId: number, r: SyncGroupResult): void {
    if (r.errorCode !== ErrorCode.NONE) return;
    // An assignment is always the one the leader of that very generation made (or none).
    const text = Buffer.from(r.assignment).toString();
    if (text !== '') this.assignedSyncs++;
    if (text !== '' && text !== `gen${generationId}`) this.violations.push(`generation ${generationId} synced ${text}`);
  }

  async checkInvariants(): Promise<void> {
    await drainMicrotasks();
    expect(this.violations).toEqual([]);
    const [d] = await this.h.coordinator.describeGroups(['g']);
    if (d === undefined) return;
    if (d.state === 'Empty' || d.state === 'Dead') expect(d.members).toEqual([]);
    if (d.state === 'Stable' || d.state === 'CompletingRebalance') expect(d.members.length).toBeGreaterThan(0);
    expect(d.members.length).toBeLessThanOrEqual(SLOTS * 3);
    // Per group: one timer per member and pending member, plus join and sync; plus the sweep.
    expect(this.h.coordinator.timerCount()).toBeLessThanOrEqual(1 + 2 + 2 * d.members.length + SLOTS * 4);
  }
}

describe('group coordinator under random clients (seeded property)', () => {
  it('keeps one leader per generation, consistent assignments, bounded timers, and answers every request', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? SEED);
    console.log(`fast-check seed ${seed}`);
    let stableSyncs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 60 }), async (ops) => {
        const world = new World(await startCoordinator());
        for (const op of ops) {
          await world.apply(op);
          await world.checkInvariants();
        }
        // Every parked request is answered within the longest deadline (new-member timeout: 5 min).
        await world.h.time.advance(600_000);
        let settled = 0;
        await Promise.all(world.outstanding.map((p) => p.then(() => settled++)));
        expect(settled).toBe(world.outstanding.length);
        world.h.coordinator.stop();
        expect(world.h.time.pendingTimers).toBe(0);
        stableSyncs += world.assignedSyncs;
      }),
      { seed, numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
    // The runs did reach settled generations, so the assignment invariant was exercised.
    console.log(`syncs with an assignment: ${stableSyncs}`);
    expect(stableSyncs).toBeGreaterThan(10);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/util/errors.js';
import type { Harness } from './harness.js';
import { joinRequest, peek, protocols, startCoordinator } from './harness.js';

/** Forms a Stable group of static members `ids` (instance ids `i-<id>`). */
async function formStaticGroup(h: Harness, ids: readonly string[]): Promise<Map<string, string>> {
  const pending = ids.map((id) => h.coordinator.joinGroup(joinRequest({ clientId: id, groupInstanceId: `i-${id}`, requireKnownMemberId: true })));
  await h.time.advance(1_000);
  const joins = await Promise.all(pending);
  for (const j of joins) expect(j.errorCode).toBe(ErrorCode.NONE);
  const leader = joins.find((j) => j.memberId === j.leaderId);
  if (leader === undefined) throw new Error('no leader');
  const syncs = await Promise.all(
    joins.map((j) =>
      h.coordinator.syncGroup({
        groupId: 'g',
        generationId: j.generationId,
        memberId: j.memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: j === leader ? j.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`for:${m.groupInstanceId}`) })) : [],
      }),
    ),
  );
  for (const s of syncs) expect(s.errorCode).toBe(ErrorCode.NONE);
  return new Map(ids.map((id, i) => [id, joins[i]?.memberId ?? '']));
}

describe('static membership (KIP-345)', () => {
  it('a restarted static member takes over its identity without a rebalance', async () => {
    const h = await startCoordinator();
    const ids = await formStaticGroup(h, ['a', 'b']);
    const oldB = ids.get('b') ?? '';
    // b restarts: it has lost its member id but keeps its instance id (static members get no MEMBER_ID_REQUIRED).
    const rejoin = await h.coordinator.joinGroup(joinRequest({ clientId: 'b', groupInstanceId: 'i-b', requireKnownMemberId: true }));
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    expect(rejoin.memberId).not.toBe(oldB);
    expect(rejoin.generationId).toBe(1);
    expect(rejoin.leaderId).toBe(ids.get('a'));
    const sync = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: rejoin.memberId, groupInstanceId: 'i-b', protocolType: null, protocolName: null, assignments: [] });
    expect(Buffer.from(sync.assignment).toString()).toBe('for:i-b');
    const [described] = await h.coordinator.describeGroups(['g']);
    expect(described?.state).toBe('Stable');
    expect(described?.members.map((m) => m.memberId).sort()).toEqual([ids.get('a'), rejoin.memberId].sort());
    // The old incarnation is fenced everywhere.
    const hb = await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: oldB, groupInstanceId: 'i-b' });
    expect(hb.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const commit = await h.coordinator.commitOffsets({ groupId: 'g', generationId: 1, memberId: oldB, groupInstanceId: 'i-b', topics: [{ topic: 't', partitions: [{ partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }] });
    expect(commit.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const join = await h.coordinator.joinGroup(joinRequest({ memberId: oldB, clientId: 'b', groupInstanceId: 'i-b' }));
    expect(join.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const sync2 = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: oldB, groupInstanceId: 'i-b', protocolType: null, protocolName: null, assignments: [] });
    expect(sync2.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const leave = await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: oldB, groupInstanceId: 'i-b' }] });
    expect(leave.members[0]?.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });

  it('a restarted static leader gets the old leader id back, so it does not reassign a Stable group', async () => {
    const h = await startCoordinator();
    const ids = await formStaticGroup(h, ['a', 'b']);
    const rejoin = await h.coordinator.joinGroup(joinRequest({ clientId: 'a', groupInstanceId: 'i-a' }));
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    expect(rejoin.leaderId).toBe(ids.get('a'));
    expect(rejoin.leaderId).not.toBe(rejoin.memberId);
    expect(rejoin.members).toEqual([]);
    const hb = await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: ids.get('b') ?? '', groupInstanceId: 'i-b' });
    expect(hb.errorCode).toBe(ErrorCode.NONE);
  });

  it('a static member rejoining with protocols that change the selected protocol triggers a rebalance', async () => {
    const h = await startCoordinator();
    await formStaticGroup(h, ['a']);
    const rejoin = h.coordinator.joinGroup(joinRequest({ clientId: 'a', groupInstanceId: 'i-a', protocols: protocols(['orders'], ['sticky', 'range']) }));
    await h.time.advance(0);
    const r = await rejoin;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(2);
    expect(r.protocolName).toBe('sticky');
  });

  it('a static member rejoining while its old incarnation is parked fences the old request', async () => {
    const h = await startCoordinator();
    const ids = await formStaticGroup(h, ['a', 'b']);
    // b rejoins with a changed subscription (a rebalance), a is slow to rejoin.
    const oldJoin = h.coordinator.joinGroup(joinRequest({ memberId: ids.get('b') ?? '', clientId: 'b', groupInstanceId: 'i-b', protocols: protocols(['x']) }));
    expect(await peek(oldJoin)).toBe('pending');
    const fresh = h.coordinator.joinGroup(joinRequest({ clientId: 'b', groupInstanceId: 'i-b', protocols: protocols(['x']) }));
    expect((await oldJoin).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const ja = h.coordinator.joinGroup(joinRequest({ memberId: ids.get('a') ?? '', clientId: 'a', groupInstanceId: 'i-a' }));
    const [rf, ra] = await Promise.all([fresh, ja]);
    expect(rf.generationId).toBe(2);
    expect(ra.members.map((m) => m.groupInstanceId).sort()).toEqual(['i-a', 'i-b']);
  });

  it('a static member can be removed by instance id alone', async () => {
    const h = await startCoordinator();
    await formStaticGroup(h, ['a']);
    const left = await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: '', groupInstanceId: 'i-a' }, { memberId: '', groupInstanceId: 'i-zz' }] });
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    const [described] = await h.coordinator.describeGroups(['g']);
    expect(described?.state).toBe('Empty');
  });

  it('static identities survive a coordinator failover: the restarted member rejoins without a rebalance', async () => {
    const h = await startCoordinator();
    const ids = await formStaticGroup(h, ['a', 'b']);
    h.coordinator.stop();
    expect(h.time.pendingTimers).toBe(0);
    const h2 = await startCoordinator({}, { time: h.time, log: h.log });
    const [described] = await h2.coordinator.describeGroups(['g']);
    expect(described?.state).toBe('Stable');
    expect(described?.members.map((m) => m.groupInstanceId).sort()).toEqual(['i-a', 'i-b']);
    // The surviving member keeps heartbeating to the new coordinator.
    const hb = await h2.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: ids.get('a') ?? '', groupInstanceId: 'i-a' });
    expect(hb.errorCode).toBe(ErrorCode.NONE);
    const rejoin = await h2.coordinator.joinGroup(joinRequest({ clientId: 'b', groupInstanceId: 'i-b' }));
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    expect(rejoin.generationId).toBe(1);
    const sync = await h2.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: rejoin.memberId, groupInstanceId: 'i-b', protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect(Buffer.from(sync.assignment).toString()).toBe('for:i-b');
  });

  it('a failed write of the replaced identity reverts to the old member id', async () => {
    const h = await startCoordinator();
    const ids = await formStaticGroup(h, ['a', 'b']);
    h.log.failAppends(new Error('disk full'));
    const rejoin = await h.coordinator.joinGroup(joinRequest({ clientId: 'b', groupInstanceId: 'i-b' }));
    expect(rejoin.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    h.log.failAppends(null);
    const hb = await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: ids.get('b') ?? '', groupInstanceId: 'i-b' });
    expect(hb.errorCode).toBe(ErrorCode.NONE);
  });
});

describe('static members across rebalances', () => {
  it('an absent static member is removed by its session timeout, which completes the rebalance early', async () => {
    const h = await startCoordinator();
    const ids = await formStaticGroup(h, ['a', 'b']);
    const a = ids.get('a') ?? '';
    const b = ids.get('b') ?? '';
    // a rejoins with a new subscription, b is bouncing and does not rejoin within the rebalance timeout.
    const ja = h.coordinator.joinGroup(joinRequest({ memberId: a, clientId: 'a', groupInstanceId: 'i-a', protocols: protocols(['orders', 'x']), sessionTimeoutMs: 60_000 }));
    await h.time.advance(9_000);
    expect(await peek(ja)).toBe('pending');
    // b's 10 s session runs out before the 30 s rebalance timeout.
    await h.time.advance(1_000);
    const ra = await ja;
    expect(ra.generationId).toBe(2);
    expect(ra.members.map((m) => m.memberId)).toEqual([a]);
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: b, groupInstanceId: 'i-b' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('the leader role moves to a member that rejoined when the static leader is absent', async () => {
    const h = await startCoordinator();
    const ids = await formStaticGroup(h, ['a', 'b']);
    const a = ids.get('a') ?? '';
    const b = ids.get('b') ?? '';
    // Long sessions: a (the leader) is away but not expired when b forces a rebalance.
    const jb = h.coordinator.joinGroup(joinRequest({ memberId: b, clientId: 'b', groupInstanceId: 'i-b', protocols: protocols(['y']), sessionTimeoutMs: 60_000 }));
    // a keeps heartbeating (it learns of the rebalance) but never rejoins.
    for (let t = 0; t < 5; t++) {
      await h.time.advance(5_000);
      expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: 'i-a' })).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    await h.time.advance(5_000); // the 30 s rebalance timeout
    const rb = await jb;
    expect(rb.generationId).toBe(2);
    expect(rb.leaderId).toBe(b);
    // The absent static member is still in the roster the new leader assigns for.
    expect(rb.members.map((m) => m.memberId).sort()).toEqual([a, b].sort());
    expect((await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: a, groupInstanceId: 'i-a' })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/util/errors.js';
import { formGroup, joinRequest, peek, protocols, startCoordinator } from './harness.js';

describe('group rebalance protocol', () => {
  it('three members join, the leader gets every member metadata and distributes opaque assignments', async () => {
    const h = await startCoordinator();
    const g = await formGroup(h, ['a', 'b', 'c']);
    expect(g.generationId).toBe(1);
    expect(g.memberIds).toEqual(['a-1', 'b-2', 'c-3']);
    for (const j of g.joins) {
      expect(j.errorCode).toBe(ErrorCode.NONE);
      expect(j.protocolName).toBe('range');
      expect(j.protocolType).toBe('consumer');
      expect(j.leaderId).toBe('a-1');
    }
    const leaderJoin = g.joins[0];
    expect(leaderJoin?.members.map((m) => m.memberId)).toEqual(['a-1', 'b-2', 'c-3']);
    expect(Buffer.from(leaderJoin?.members[1]?.metadata ?? []).equals(Buffer.from(protocols()[0]?.metadata ?? []))).toBe(true);
    expect(g.joins[1]?.members).toEqual([]);
    expect(g.syncs.map((s) => s.errorCode)).toEqual([0, 0, 0]);
    expect(g.syncs.map((s) => Buffer.from(s.assignment).toString())).toEqual(['assign:a-1', 'assign:b-2', 'assign:c-3']);
    const [described] = await h.coordinator.describeGroups(['g']);
    expect(described?.state).toBe('Stable');
    expect(described?.protocolName).toBe('range');
    expect(described?.members.map((m) => Buffer.from(m.assignment).toString())).toEqual(['assign:a-1', 'assign:b-2', 'assign:c-3']);
  });

  it('a member leaving triggers a rebalance; the remaining members rejoin into a new generation', async () => {
    const h = await startCoordinator();
    const g = await formGroup(h, ['a', 'b', 'c']);
    const left = await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: 'b-2', groupInstanceId: null }] });
    expect(left.members).toEqual([{ memberId: 'b-2', groupInstanceId: null, errorCode: ErrorCode.NONE }]);
    const hb = await h.coordinator.heartbeat({ groupId: 'g', generationId: g.generationId, memberId: 'a-1', groupInstanceId: null });
    expect(hb.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ja = h.coordinator.joinGroup(joinRequest({ memberId: 'a-1', clientId: 'a' }));
    expect(await peek(ja)).toBe('pending');
    const jc = h.coordinator.joinGroup(joinRequest({ memberId: 'c-3', clientId: 'c' }));
    const [ra, rc] = await Promise.all([ja, jc]);
    expect(ra.generationId).toBe(2);
    expect(rc.generationId).toBe(2);
    expect(ra.members.map((m) => m.memberId)).toEqual(['a-1', 'c-3']);
    // The departed member is gone for good.
    const stale = await h.coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: 'b-2', groupInstanceId: null });
    expect(stale.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('session expiry removes a silent member and rebalances the rest', async () => {
    const h = await startCoordinator();
    const g = await formGroup(h, ['a', 'b']);
    // a heartbeats every 3 s, b stays silent: after the 10 s session timeout b is expired.
    for (let t = 0; t < 4; t++) {
      await h.time.advance(3_000);
      const hb = await h.coordinator.heartbeat({ groupId: 'g', generationId: g.generationId, memberId: 'a-1', groupInstanceId: null });
      if (t < 3) expect(hb.errorCode).toBe(ErrorCode.NONE);
      else expect(hb.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    const rejoin = await h.coordinator.joinGroup(joinRequest({ memberId: 'a-1', clientId: 'a' }));
    expect(rejoin.generationId).toBe(2);
    expect(rejoin.members.map((m) => m.memberId)).toEqual(['a-1']);
    const [described] = await h.coordinator.describeGroups(['g']);
    expect(described?.members.map((m) => m.memberId)).toEqual(['a-1']);
  });

  it('the rebalance timeout removes a member that does not rejoin', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a', 'b', 'c']);
    // b triggers a rebalance by rejoining with new metadata; a rejoins; c keeps heartbeating but never rejoins.
    const jb = h.coordinator.joinGroup(joinRequest({ memberId: 'b-2', clientId: 'b', protocols: protocols(['orders', 'payments']) }));
    const ja = h.coordinator.joinGroup(joinRequest({ memberId: 'a-1', clientId: 'a' }));
    for (let t = 0; t < 10; t++) {
      await h.time.advance(2_900);
      const hb = await h.coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: 'c-3', groupInstanceId: null });
      expect(hb.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      expect(await peek(ja)).toBe('pending');
    }
    await h.time.advance(1_000); // 30 s rebalance timeout reached
    const [ra, rb] = await Promise.all([ja, jb]);
    expect(ra.generationId).toBe(2);
    expect(rb.generationId).toBe(2);
    expect(ra.members.map((m) => m.memberId)).toEqual(['a-1', 'b-2']);
    const hc = await h.coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: 'c-3', groupInstanceId: null });
    expect(hc.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('answers heartbeats with the Kafka error codes around a rebalance', async () => {
    const h = await startCoordinator();
    const g = await formGroup(h, ['a', 'b']);
    const hb = (memberId: string, generationId: number, groupId = 'g') =>
      h.coordinator.heartbeat({ groupId, generationId, memberId, groupInstanceId: null }).then((r) => r.errorCode);
    expect(await hb('a-1', g.generationId)).toBe(ErrorCode.NONE);
    expect(await hb('a-1', g.generationId + 5)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await hb('nobody', g.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await hb('a-1', 1, 'no-such-group')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await hb('a-1', 1, '')).toBe(ErrorCode.INVALID_GROUP_ID);
    // Leader rejoins → PreparingRebalance.
    const ja = h.coordinator.joinGroup(joinRequest({ memberId: 'a-1', clientId: 'a' }));
    expect(await hb('b-2', 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const sync = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'b-2', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(sync.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const jb = h.coordinator.joinGroup(joinRequest({ memberId: 'b-2', clientId: 'b' }));
    const [ra] = await Promise.all([ja, jb]);
    expect(ra.generationId).toBe(2);
    // CompletingRebalance: heartbeats of the new generation are fine, the old one is illegal.
    expect(await hb('b-2', 2)).toBe(ErrorCode.NONE);
    expect(await hb('b-2', 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('a parked follower sync is answered REBALANCE_IN_PROGRESS when a member leaves before the leader syncs', async () => {
    const h = await startCoordinator();
    const pa = h.coordinator.joinGroup(joinRequest({ clientId: 'a' }));
    const pb = h.coordinator.joinGroup(joinRequest({ clientId: 'b' }));
    await h.time.advance(1_000);
    const [, jb] = await Promise.all([pa, pb]);
    const follower = h.coordinator.syncGroup({ groupId: 'g', generationId: jb.generationId, memberId: 'b-2', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect(await peek(follower)).toBe('pending');
    await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: 'a-1', groupInstanceId: null }] });
    expect((await follower).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('removes members that never sync (the leader) after the rebalance timeout', async () => {
    const h = await startCoordinator();
    // Sessions outlast the rebalance timeout, so only the pending-sync deadline can act here.
    const pa = h.coordinator.joinGroup(joinRequest({ clientId: 'a', sessionTimeoutMs: 60_000 }));
    const pb = h.coordinator.joinGroup(joinRequest({ clientId: 'b', sessionTimeoutMs: 60_000 }));
    await h.time.advance(1_000);
    await Promise.all([pa, pb]);
    const follower = h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'b-2', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await h.time.advance(30_000);
    expect((await follower).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [described] = await h.coordinator.describeGroups(['g']);
    expect(described?.state).toBe('PreparingRebalance');
    expect(described?.members.map((m) => m.memberId)).toEqual(['b-2']);
  });

  it('KIP-394: a v4+ member without id gets MEMBER_ID_REQUIRED and joins with the id it was given', async () => {
    const h = await startCoordinator();
    const first = await h.coordinator.joinGroup(joinRequest({ clientId: 'a', requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toBe('a-1');
    const second = h.coordinator.joinGroup(joinRequest({ clientId: 'a', memberId: first.memberId, requireKnownMemberId: true }));
    await h.time.advance(1_000);
    const r = await second;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.memberId).toBe('a-1');
    expect(r.leaderId).toBe('a-1');
  });

  it('a pending member id that never comes back expires after the session timeout', async () => {
    const h = await startCoordinator();
    const g = await formGroup(h, ['a']);
    const pending = await h.coordinator.joinGroup(joinRequest({ clientId: 'x', requireKnownMemberId: true }));
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    await h.time.advance(10_000);
    const late = await h.coordinator.joinGroup(joinRequest({ clientId: 'x', memberId: pending.memberId }));
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(g.generationId).toBe(1);
  });

  it('a new group holding only an expired pending member id is forgotten', async () => {
    const h = await startCoordinator();
    const pending = await h.coordinator.joinGroup(joinRequest({ groupId: 'fresh', clientId: 'x', requireKnownMemberId: true }));
    expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(h.coordinator.groupCount()).toBe(1);
    await h.time.advance(10_000);
    expect(h.coordinator.groupCount()).toBe(0);
  });

  it('rejects bad joins with INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID, GROUP_MAX_SIZE_REACHED', async () => {
    const h = await startCoordinator({ maxGroupSize: 2 });
    await formGroup(h, ['a', 'b']);
    const code = (overrides: Parameters<typeof joinRequest>[0]) => h.coordinator.joinGroup(joinRequest(overrides)).then((r) => r.errorCode);
    expect(await code({ sessionTimeoutMs: 999 })).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(await code({ sessionTimeoutMs: 60_001 })).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(await code({ protocolType: 'connect' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await code({ protocols: protocols(['orders'], ['sticky']) })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await code({ memberId: 'ghost-9' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await code({ groupId: 'other', memberId: 'ghost-9' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await code({ groupId: '' })).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(await code({ clientId: 'c' })).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(await code({ protocols: [] , groupId: 'fresh' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('selects the protocol all members support, by vote', async () => {
    const h = await startCoordinator();
    const pa = h.coordinator.joinGroup(joinRequest({ clientId: 'a', protocols: protocols(['t'], ['range', 'roundrobin']) }));
    const pb = h.coordinator.joinGroup(joinRequest({ clientId: 'b', protocols: protocols(['t'], ['roundrobin', 'range', 'sticky']) }));
    const pc = h.coordinator.joinGroup(joinRequest({ clientId: 'c', protocols: protocols(['t'], ['roundrobin', 'range']) }));
    await h.time.advance(1_000);
    const results = await Promise.all([pa, pb, pc]);
    expect(results.map((r) => r.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
    const leader = results[0];
    // The leader sees each member's metadata for the chosen protocol.
    expect(leader?.members.map((m) => Buffer.from(m.metadata).subarray(-10).toString())).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
  });

  it('the initial rebalance delay waits for more members, extended while they keep arriving', async () => {
    const h = await startCoordinator({ initialRebalanceDelayMs: 3_000 });
    const pa = h.coordinator.joinGroup(joinRequest({ clientId: 'a' }));
    await h.time.advance(2_000);
    const pb = h.coordinator.joinGroup(joinRequest({ clientId: 'b' }));
    await h.time.advance(2_000); // 4 s: first delay over, but b arrived → extended
    expect(await peek(pa)).toBe('pending');
    await h.time.advance(2_000); // 6 s: extension over, nobody new
    const [ra, rb] = await Promise.all([pa, pb]);
    expect(ra.generationId).toBe(1);
    expect(rb.leaderId).toBe('a-1');
    expect(ra.members).toHaveLength(2);
  });

  it('a follower rejoining a Stable group with unchanged metadata gets the current generation without a rebalance', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a', 'b']);
    const r = await h.coordinator.joinGroup(joinRequest({ memberId: 'b-2', clientId: 'b' }));
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(1);
    expect(r.leaderId).toBe('a-1');
    const [described] = await h.coordinator.describeGroups(['g']);
    expect(described?.state).toBe('Stable');
  });

  it('when the last member leaves the group becomes Empty with a bumped generation', async () => {
    const h = await startCoordinator();
    await formGroup(h, ['a']);
    await h.coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: 'a-1', groupInstanceId: null }, { memberId: 'zz', groupInstanceId: null }] });
    const [described] = await h.coordinator.describeGroups(['g']);
    expect(described?.state).toBe('Empty');
    expect(described?.members).toEqual([]);
    // The group's timers are all gone: only the coordinator's retention sweep remains.
    expect(h.coordinator.timerCount()).toBe(1);
  });

  it('answers SyncGroup with ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID and INCONSISTENT_GROUP_PROTOCOL', async () => {
    const h = await startCoordinator();
    const g = await formGroup(h, ['a', 'b']);
    const sync = (overrides: { generationId?: number; memberId?: string; protocolType?: string | null; protocolName?: string | null; groupId?: string }) =>
      h.coordinator
        .syncGroup({ groupId: 'g', generationId: g.generationId, memberId: 'b-2', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...overrides })
        .then((r) => r.errorCode);
    expect(await sync({ generationId: 0 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await sync({ memberId: 'nobody' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await sync({ groupId: 'other' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await sync({ groupId: '' })).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(await sync({ protocolType: 'connect' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await sync({ protocolName: 'sticky' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // In a Stable group a follower's repeated SyncGroup just gets its assignment again.
    const again = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'b-2', groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    expect(Buffer.from(again.assignment).toString()).toBe('assign:b-2');
  });

  it('a failed write of the leader assignment fails the sync and starts a new rebalance', async () => {
    const h = await startCoordinator();
    const pa = h.coordinator.joinGroup(joinRequest({ clientId: 'a' }));
    const pb = h.coordinator.joinGroup(joinRequest({ clientId: 'b' }));
    await h.time.advance(1_000);
    await Promise.all([pa, pb]);
    const follower = h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'b-2', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    h.log.failAppends(new Error('no quorum'));
    const leader = await h.coordinator.syncGroup({ groupId: 'g', generationId: 1, memberId: 'a-1', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: 'b-2', assignment: Buffer.from('x') }] });
    expect(leader.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await follower).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await h.coordinator.describeGroups(['g']))[0]?.state).toBe('PreparingRebalance');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { concatBuffers, EntryType, message, MessageType } from '../../../src/raft/core/index.js';
import { FrameBuilder, GroupNotFoundError, RaftClosedError } from '../../../src/raft/driver/index.js';
import { Cluster, text } from './harness.js';

// fsync 'never': input handling and group lifecycle, not durability.
describe('RaftHost: hostile input and group lifecycle', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('drops garbage frames and messages for unknown groups, counting them, and keeps working', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    const target = cluster.node(2);
    let received = 0;
    // Subscribed after the host, so this runs once the host has handled the frame.
    target.transport.onFrameParts(() => {
      received++;
      cluster?.signal.notify();
    });
    const sender = cluster.node(1).transport;
    sender.send(2, new Uint8Array([9, 9, 9, 9]));
    sender.send(2, new Uint8Array(0));
    const unknown = new FrameBuilder();
    unknown.add(Buffer.from('no-such-group'), message({ type: MessageType.HEARTBEAT, from: 2, to: 3, term: 1 }));
    sender.send(2, concatBuffers(unknown.build()));
    // A well-formed frame whose message claims another sender is refused as a whole.
    const forged = new FrameBuilder();
    forged.add(Buffer.from('g'), message({ type: MessageType.VOTE, from: 1, to: 3, term: 99 }));
    sender.send(2, concatBuffers(forged.build()));
    await cluster.signal.until(() => received >= 4, 5000, 'four frames');
    expect(target.host.stats.badFrames).toBe(3);
    expect(target.host.stats.unknownGroupDrops).toBe(1);
    // The forged vote did not disturb the group's term.
    expect(target.host.status('g').term).toBe(cluster.node(0).host.status('g').term);
    const r = cluster.node(0).host.propose('g', text('still fine'), EntryType.NORMAL);
    await r.committed;
    await cluster.waitApplied('g', r.index, [0, 1, 2]);
  });

  it('holds messages for a group not created yet and steps them in when it is (no election timeout lost)', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    // Only node 0 has the group when it campaigns: its vote requests reach 1 and 2 before the group does.
    await cluster.addGroup('late', []);
    await cluster.openGroupOn(cluster.node(0), 'late', [0, 1, 2]);
    // Frames arriving at 1 and 2 wake the wait below (the host handles them first).
    for (const id of [1, 2]) cluster.node(id).transport.onFrameParts(() => cluster?.signal.notify());
    cluster.node(0).host.campaign('late');
    await cluster.signal.until(() => (cluster?.node(1).host.stats.unknownGroupDrops ?? 0) > 0 && (cluster?.node(2).host.stats.unknownGroupDrops ?? 0) > 0, 5000, 'vote requests held');
    for (const id of [1, 2]) await cluster.openGroupOn(cluster.node(id), 'late', [0, 1, 2]);
    // No ticks at all: only the held vote requests can elect node 0.
    await cluster.signal.until(() => cluster?.node(0).host.status('late').role === 'leader', 5000, 'node 0 elected');
  });

  it('close() leaves no timers or sockets behind', async () => {
    const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const before = { timers: count('Timeout'), tcp: count('TCPSocketWrap') + count('TCPServerWrap') };
    const c = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 10, electionTicks: 25 } });
    await c.addGroup('g');
    c.node(0).host.campaign('g');
    await c.waitLeader('g');
    const pending = c.node(0).host.readIndex('g', 60_000);
    await c.close();
    await pending.catch(() => undefined);
    expect(count('Timeout')).toBeLessThanOrEqual(before.timers);
    expect(count('TCPSocketWrap') + count('TCPServerWrap')).toBeLessThanOrEqual(before.tcp);
  });

  it('removeGroup fails pending work, forgets the group and can delete its log', async () => {
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 } });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    for (const id of [1, 2]) cluster.node(0).transport.setLinkFault(id, { dropProbability: 1 }, 'out');
    const p = cluster.node(0).host.propose('g', text('x'), EntryType.NORMAL);
    await cluster.node(0).host.removeGroup('g', { deleteLog: true });
    await expect(p.committed).rejects.toBeInstanceOf(RaftClosedError);
    expect(() => cluster?.node(0).host.propose('g', text('y'), EntryType.NORMAL)).toThrow(GroupNotFoundError);
    expect(cluster.node(0).host.has('g')).toBe(false);
    expect(await cluster.node(0).wal.listLogs()).not.toContain('g');
  });
});

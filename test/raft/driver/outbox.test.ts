import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import { FRAME_SPLIT_BYTES } from '../../../src/raft/driver/outbox.js';
import { Cluster } from './harness.js';

describe('Outbox: frames per peer', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('splits one drain of more than FRAME_SPLIT_BYTES for a peer into several frames, and all of it commits', async () => {
    // A frame over 6 MiB would be refused whole by the transport: only split frames get through.
    const maxFrameBytes = FRAME_SPLIT_BYTES + 2 * 1024 * 1024;
    cluster = await Cluster.start({ size: 3, fsync: 'never', host: { tickMs: 0, electionTicks: 1_000_000 }, maxFrameBytes });
    await cluster.addGroup('g');
    cluster.node(0).host.campaign('g');
    await cluster.waitLeader('g');
    await cluster.waitApplied('g', 1, [0, 1, 2]);
    const leader = cluster.node(0).host;
    await leader.settled();
    const framesBefore = leader.stats.peers['1']?.frames ?? 0;
    // 160 entries of 64 KiB proposed in one turn: one drain, 10 MiB for each follower.
    const entry = new Uint8Array(64 * 1024).fill(5);
    const results = Array.from({ length: 160 }, () => leader.propose('g', entry, EntryType.NORMAL));
    await Promise.all(results.map((r) => r.committed));
    const last = results.at(-1)?.index ?? 0;
    await cluster.waitApplied('g', last, [0, 1, 2]);
    expect(160 * entry.byteLength).toBeGreaterThan(maxFrameBytes);
    expect(leader.stats.peers['1']?.frames ?? 0).toBeGreaterThan(framesBefore + 1);
    expect(cluster.node(0).transport.stats().oversizeDrops).toBe(0);
    expect(cluster.machine(1, 'g').applied).toBe(last);
  });
});

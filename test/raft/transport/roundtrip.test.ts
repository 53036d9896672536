import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { NodeTransport, TransportError, type PeerAddress } from '../../../src/raft/transport/index.js';
import { closeAll, Inbox, peerUp, startCluster, withTimeout } from './helpers.js';

describe('NodeTransport round trips', () => {
  let nodes: Map<number, NodeTransport> = new Map();
  afterEach(async () => {
    await closeAll(nodes.values());
  });

  function node(id: number): NodeTransport {
    const t = nodes.get(id);
    if (t === undefined) throw new Error(`no node ${id}`);
    return t;
  }

  it('delivers frames between every pair of 3 transports, tagged with the sender', async () => {
    ({ nodes } = await startCluster([1, 2, 3]));
    const inboxes = new Map([...nodes].map(([id, t]) => [id, new Inbox(t)]));
    for (const from of [1, 2, 3]) {
      for (const to of [1, 2, 3]) {
        if (from !== to) expect(node(from).send(to, Buffer.from(`${from}->${to}`))).toBe(true);
      }
    }
    for (const to of [1, 2, 3]) {
      const inbox = inboxes.get(to)!;
      for (const from of [1, 2, 3]) {
        if (from === to) continue;
        await inbox.waitFor(from, 1);
        expect(inbox.from(from).map((b) => b.toString())).toEqual([`${from}->${to}`]);
      }
    }
    const s = node(1).stats();
    expect(s.peers['2']?.framesOut).toBe(1);
    expect(s.peers['2']?.framesIn).toBe(1);
    expect([s.peers['2']?.bytesOut, s.peers['2']?.bytesIn]).toEqual([4 + 9, 4 + 9]); // '1->2' plus the header
    expect(s.peers['3']?.connected).toBe(true);
    expect(node(3).stats().peers['1']?.inboundConnected).toBe(true);
  });

  it('keeps many frames in order on one link, including multi-part payloads', async () => {
    ({ nodes } = await startCluster([1, 2]));
    const inbox = new Inbox(node(2));
    await peerUp(node(1), 2);
    const count = 20_000;
    for (let i = 0; i < count; i++) {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(i);
      node(1).send(2, [header, Buffer.from(`body-${i}`)]);
    }
    await inbox.waitFor(1, count, 15_000);
    const got = inbox.from(1);
    expect(got).toHaveLength(count);
    // One assertion over all frames (an expect per frame costs more than the transport does).
    const outOfPlace = got.flatMap((p, i) => (p.readUInt32BE(0) === i && p.subarray(4).toString() === `body-${i}` ? [] : [i]));
    expect(outOfPlace).toEqual([]);
    expect(node(1).stats().peers['2']?.queueDrops).toBe(0);
  });

  it('carries large frames intact (8 MiB, spread over many TCP chunks)', async () => {
    ({ nodes } = await startCluster([1, 2]));
    const inbox = new Inbox(node(2));
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32BE(i, i);
    node(1).send(2, [big.subarray(0, 100), big.subarray(100)]);
    node(1).send(2, Buffer.from('after'));
    await inbox.waitFor(1, 2, 10_000);
    const [first, second] = inbox.from(1);
    expect(first?.equals(big)).toBe(true);
    expect(second?.toString()).toBe('after');
  });

  it('hands parts listeners the socket-read views of a large frame; a claimed channel is never joined for onFrame listeners', async () => {
    ({ nodes } = await startCluster([1, 2]));
    const whole = new Inbox(node(2));
    const received: Array<readonly Buffer[]> = [];
    let done: () => void = () => undefined;
    const both = new Promise<void>((resolve) => (done = resolve));
    node(2).onFrameParts((_from, parts) => {
      received.push(parts);
      if (received.length === 2) done();
    }, 0x80);
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32BE(i, i);
    big[0] = 1; // a claimed tag
    node(1).send(2, big);
    node(1).send(2, Buffer.from([0x90, 1, 2, 3])); // another channel's tag
    await withTimeout(both, 10_000, 'two frames');
    const [bigParts, small] = received;
    // 1 MiB cannot arrive in one socket read: several views, never joined.
    expect(bigParts?.length).toBeGreaterThan(1);
    expect(Buffer.concat(bigParts ?? []).equals(big)).toBe(true);
    expect(Buffer.concat(small ?? [])).toEqual(Buffer.from([0x90, 1, 2, 3]));
    // The onFrame listener sees only the unclaimed frame (delivered in the same turn as the parts).
    expect(whole.from(1).map((b) => [...b])).toEqual([[0x90, 1, 2, 3]]);
    expect(node(2).stats().peers['1']?.framesIn).toBe(2);
  });

  it('refuses to send a payload above maxFrameBytes and counts it', async () => {
    ({ nodes } = await startCluster([1, 2], { maxFrameBytes: 1024 }));
    expect(node(1).send(2, Buffer.alloc(1025))).toBe(false);
    expect(node(1).send(9, Buffer.alloc(1))).toBe(false);
    const s = node(1).stats();
    expect(s.oversizeDrops).toBe(1);
    expect(s.unknownPeerDrops).toBe(1);
  });

  it('rejects start() with a TransportError when the port is taken, and closes cleanly after', async () => {
    let addresses: Map<number, PeerAddress>;
    ({ nodes, addresses } = await startCluster([1]));
    const listen = addresses.get(1)!;
    const clash = new NodeTransport({ nodeId: 2, clusterId: 'test', listen, peers: new Map(), logger: pino({ level: 'silent' }) });
    await expect(clash.start()).rejects.toThrow(TransportError);
    await expect(clash.start()).rejects.toThrow(/already started/);
    await clash.close();
  });
});

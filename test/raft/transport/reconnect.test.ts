import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeTransport, type PeerAddress } from '../../../src/raft/transport/index.js';
import { captureLog, closeAll, Inbox, peerDown, peerUp, startCluster } from './helpers.js';

describe('NodeTransport reconnects', () => {
  const open: NodeTransport[] = [];
  afterEach(async () => {
    await closeAll(open.splice(0));
  });

  function restartAt(id: number, address: PeerAddress, peers: ReadonlyMap<number, PeerAddress>): NodeTransport {
    const t = new NodeTransport({ nodeId: id, clusterId: 'test', listen: address, peers, logger: pino({ level: 'silent' }) });
    open.push(t);
    return t;
  }

  it('redials a peer that restarts on the same port and delivers what was queued meanwhile', async () => {
    const { nodes, addresses } = await startCluster([1, 2]);
    const n1 = nodes.get(1)!;
    open.push(n1);
    await peerUp(n1, 2);
    const down = peerDown(n1, 2);
    await nodes.get(2)!.close();
    await down;
    expect(n1.isPeerUp(2)).toBe(false);

    // Sent while the peer is away: queued (bounded), not lost.
    for (let i = 0; i < 10; i++) expect(n1.send(2, Buffer.from(`queued-${i}`))).toBe(true);
    expect(n1.stats().peers['2']?.queuedFrames).toBe(10);

    const up = peerUp(n1, 2, 10_000);
    const n2 = restartAt(2, addresses.get(2)!, addresses);
    const inbox = new Inbox(n2);
    await n2.start();
    await up;
    await inbox.waitFor(1, 10);
    expect(inbox.from(1).map((b) => b.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `queued-${i}`));
    const s = n1.stats().peers['2']!;
    expect(s.reconnects).toBe(1);
    expect(s.queuedFrames).toBe(0);
    // And the restarted node dials back: traffic flows the other way too.
    const back = new Inbox(n1);
    await peerUp(n2, 1);
    n2.send(1, Buffer.from('hello again'));
    await back.waitFor(2, 1);
    expect(back.from(2)[0]?.toString()).toBe('hello again');
  });

  it('follows membership changes: a removed node is disconnected and refused, a re-added one reconnects', async () => {
    const log = captureLog();
    const { nodes, addresses } = await startCluster([1, 2, 3], { logger: log.logger });
    open.push(...nodes.values());
    const n1 = nodes.get(1)!;
    const n3 = nodes.get(3)!;
    await peerUp(n1, 3);
    await peerUp(n3, 1);
    const down = peerDown(n1, 3);
    const n3LostPeer1 = peerDown(n3, 1);
    n3.setPeers(new Map([...addresses].filter(([id]) => id !== 1)));
    await Promise.all([down, n3LostPeer1]);
    expect(Object.keys(n3.stats().peers)).toEqual(['2']);
    expect(n3.send(1, Buffer.from('x'))).toBe(false);
    // Node 1 keeps redialing and node 3 refuses it as a stranger.
    await log.waitFor((l) => l['nodeId'] === 3 && String(l['reason']).includes('unknown node id 1'));
    expect(n1.stats().peers['2']?.connected).toBe(true);

    const back = peerUp(n1, 3, 10_000);
    n3.setPeers(addresses);
    await back;
    await peerUp(n3, 1);
    const inbox = new Inbox(n3);
    n1.send(3, Buffer.from('welcome back'));
    await inbox.waitFor(1, 1);
    expect(inbox.from(1)[0]?.toString()).toBe('welcome back');
  });

  it('queues sends made before start(), and follows a peer to a new address', async () => {
    const { nodes, addresses } = await startCluster([2]);
    open.push(...nodes.values());
    const n1 = restartAt(1, { host: '127.0.0.1', port: 0 }, addresses);
    expect(n1.send(2, Buffer.from('early'))).toBe(true);
    const old2 = new Inbox(nodes.get(2)!);
    const addr1 = await n1.start();
    nodes.get(2)!.setPeers(new Map([[1, addr1]]));
    await old2.waitFor(1, 1);
    expect(old2.from(1).map(String)).toEqual(['early']);

    // Node 2 moves: a new process on another port; the membership change tells node 1.
    const moved = restartAt(2, { host: '127.0.0.1', port: 0 }, new Map([[1, addr1]]));
    const new2 = new Inbox(moved);
    const movedAddress = await moved.start();
    const up = peerUp(n1, 2);
    n1.setPeers(new Map([[2, movedAddress]]));
    await up;
    n1.send(2, Buffer.from('to the new home'));
    await new2.waitFor(1, 1);
    expect(new2.from(1).map(String)).toEqual(['to the new home']);
    expect(old2.from(1)).toHaveLength(1);
  });
});


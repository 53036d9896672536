import { createServer, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeTransport } from '../../../src/raft/transport/index.js';
import { closeAll, Inbox, peerUp, startCluster, withTimeout } from './helpers.js';

function lost(t: NodeTransport, peer: number): { events: number[]; next: Promise<void> } {
  const events: number[] = [];
  let resolve: () => void = () => undefined;
  const next = new Promise<void>((r) => (resolve = r));
  t.onPeerConnectionLost((id) => {
    events.push(id);
    if (id === peer) resolve();
  });
  return { events, next };
}

/** A port nothing listens on (bound, then released), so dials to it are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('NodeTransport.onPeerConnectionLost (a failure detector hint)', () => {
  const open: NodeTransport[] = [];
  afterEach(async () => {
    await closeAll(open.splice(0));
  });

  it('fires when the peer goes away, alongside onPeerDown for our own dial', async () => {
    const { nodes } = await startCluster([1, 2]);
    const [n1, n2] = [nodes.get(1) as NodeTransport, nodes.get(2) as NodeTransport];
    open.push(n1);
    await peerUp(n1, 2);
    await peerUp(n2, 1);
    const l = lost(n1, 2);
    await n2.close();
    await withTimeout(l.next, 5_000, 'connection lost');
    expect(l.events.every((id) => id === 2)).toBe(true);
  });

  it('fires on the close of the connection the peer dialed, even when our own dial never came up', async () => {
    // Node 1 knows node 2 at a dead address: its outbound link never comes up (no onPeerDown
    // possible), but node 2 dials node 1 and that inbound connection is admitted.
    const n1 = new NodeTransport({ nodeId: 1, clusterId: 'test', listen: { host: '127.0.0.1', port: 0 }, peers: new Map([[2, { host: '127.0.0.1', port: await deadPort() }]]), logger: pino({ level: 'silent' }) });
    open.push(n1);
    const a1 = await n1.start();
    const n2 = new NodeTransport({ nodeId: 2, clusterId: 'test', listen: { host: '127.0.0.1', port: 0 }, peers: new Map([[1, a1]]), logger: pino({ level: 'silent' }) });
    await n2.start();
    await peerUp(n2, 1);
    // A frame from node 2 arriving proves its connection to node 1 is admitted.
    const inbox = new Inbox(n1);
    n2.send(1, Buffer.from('hello'));
    await inbox.waitFor(2, 1);
    expect(n1.stats().peers['2']?.inboundConnected).toBe(true);
    let downs = 0;
    n1.onPeerDown(() => downs++);
    const l = lost(n1, 2);
    await n2.close();
    await withTimeout(l.next, 5_000, 'connection lost');
    expect(n1.isPeerUp(2)).toBe(false);
    expect(downs).toBe(0);
    expect(l.events).toEqual([2]);
  });
});

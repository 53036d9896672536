import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FrameKind,
  NodeTransport,
  PROTOCOL_VERSION,
  SharedSecretAuthenticator,
  type NodeTransportOptions,
  type PeerAddress,
} from '../../../src/raft/transport/index.js';
import { decodeRefuse, encodeChallenge, encodeHello, encodeWelcome } from '../../../src/raft/transport/handshake.js';
import { captureLog, closeAll, Inbox, peerUp, startCluster, type CapturedLog } from './helpers.js';
import { frameBytes, RawPeer } from './raw-peer.js';

const LOOPBACK: PeerAddress = { host: '127.0.0.1', port: 0 };

describe('NodeTransport handshake', () => {
  const open: NodeTransport[] = [];
  const raws: RawPeer[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const r of raws.splice(0)) r.destroy();
    await closeAll(open.splice(0));
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function node(id: number, log: CapturedLog, extra: Partial<NodeTransportOptions> = {}): Promise<[NodeTransport, PeerAddress]> {
    const t = new NodeTransport({ nodeId: id, clusterId: 'alpha', listen: LOOPBACK, peers: new Map(), logger: log.logger, ...extra });
    open.push(t);
    return [t, await t.start()];
  }

  const refusedAt = (nodeId: number, text: string) => (l: Record<string, unknown>) =>
    l['nodeId'] === nodeId && l['msg'] === 'refused inbound connection' && String(l['reason']).includes(text);

  it('refuses a peer from another cluster, on both sides, and logs why', async () => {
    const log = captureLog();
    const [a, addrA] = await node(1, log);
    const [b, addrB] = await node(2, log, { clusterId: 'beta' });
    a.setPeers(new Map([[2, addrB]]));
    b.setPeers(new Map([[1, addrA]]));
    const refusal = await log.waitFor(refusedAt(1, 'cluster id mismatch: node 2 is in "beta", we are in "alpha"'));
    expect(refusal['claimedId']).toBe(2);
    expect(refusal['level']).toBe(40); // warn
    await log.waitFor(refusedAt(2, 'cluster id mismatch'));
    await log.waitFor((l) => l['nodeId'] === 1 && l['msg'] === 'outbound connection failed' && String(l['reason']).startsWith('refused by peer: cluster id mismatch'));
    expect(a.isPeerUp(2)).toBe(false);
    expect(b.isPeerUp(1)).toBe(false);
    expect(a.stats().refusedConnections).toBeGreaterThan(0);
    expect(a.send(2, Buffer.from('x'))).toBe(true); // queued: the peer is configured, just not reachable
    expect(a.stats().peers['2']?.framesOut).toBe(0);
  });

  it('refuses a node that is not the one expected at the address, and one not in the peer set', async () => {
    const log = captureLog();
    const [a, addrA] = await node(1, log);
    const [c, addrC] = await node(3, log);
    a.setPeers(new Map([[2, addrC]])); // node 1 believes node 2 lives where node 3 is
    c.setPeers(new Map([[1, addrA]]));
    await log.waitFor(refusedAt(3, 'wrong node id: node 1 expected node 2 at this address, this is node 3'));
    await log.waitFor(refusedAt(1, 'unknown node id 3 (not in our peer set)'));
    expect(a.isPeerUp(2)).toBe(false);
    expect(c.isPeerUp(1)).toBe(false);
  });

  it('as dialer, rejects a WELCOME from a node other than the expected one', async () => {
    const log = captureLog();
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(frameBytes(FrameKind.CHALLENGE, encodeChallenge({ version: PROTOCOL_VERSION, nonce: Buffer.alloc(16) })));
      socket.once('data', () => {
        const welcome = encodeWelcome({ version: PROTOCOL_VERSION, nodeId: 7, clusterId: 'alpha', proof: Buffer.alloc(0) });
        socket.write(frameBytes(FrameKind.WELCOME, welcome));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const [a] = await node(1, log);
    a.setPeers(new Map([[2, { host: '127.0.0.1', port }]]));
    await log.waitFor((l) => l['nodeId'] === 1 && String(l['reason']).includes('wrong node id: expected node 2 at this address, found node 7'));
    expect(a.isPeerUp(2)).toBe(false);
  });

  it('refuses a duplicate connection while the first one is alive', async () => {
    const log = captureLog();
    const { nodes, addresses } = await startCluster([1, 2], { logger: log.logger });
    open.push(...nodes.values());
    await peerUp(nodes.get(1)!, 2);
    const raw = await RawPeer.connect(addresses.get(2)!);
    raws.push(raw);
    const answer = await raw.hello(1, 2, 'test');
    expect(answer.kind).toBe(FrameKind.REFUSE);
    expect(decodeRefuse(answer.payload)).toBe('duplicate connection from node 1');
    await raw.closed;
    await log.waitFor(refusedAt(2, 'duplicate connection from node 1'));
    // The original connection is untouched.
    const inbox = new Inbox(nodes.get(2)!);
    nodes.get(1)!.send(2, Buffer.from('still here'));
    await inbox.waitFor(1, 1);
  });

  it('authenticates peers with a shared secret and refuses a wrong one or none', async () => {
    const log = captureLog();
    const secret = (text: string) => new SharedSecretAuthenticator(Buffer.from(text));
    const { nodes, addresses } = await startCluster([1, 2], { logger: log.logger, authenticator: secret('correct horse battery staple') });
    open.push(...nodes.values());
    await peerUp(nodes.get(1)!, 2);
    await peerUp(nodes.get(2)!, 1);

    const [intruder] = await node(3, log, { clusterId: 'test', authenticator: secret('wrong horse battery staple') });
    const [plain] = await node(4, log, { clusterId: 'test' });
    const addr2 = addresses.get(2)!;
    // Node 2 knows nodes 3 and 4, so only authentication can refuse them.
    const unreachable = { host: '127.0.0.1', port: 1 };
    nodes.get(2)!.setPeers(new Map([...addresses, [3, unreachable], [4, unreachable]]));
    intruder.setPeers(new Map([[2, addr2]]));
    plain.setPeers(new Map([[2, addr2]]));
    await log.waitFor(refusedAt(2, 'node 3 failed authentication (hmac-sha256)'));
    await log.waitFor(refusedAt(2, 'node 4 failed authentication (hmac-sha256)'));
    expect(intruder.isPeerUp(2)).toBe(false);
    expect(plain.isPeerUp(2)).toBe(false);
    expect(nodes.get(1)!.isPeerUp(2)).toBe(true);
  });

  it('refuses a dialer speaking another protocol version, with the reason sent back', async () => {
    const log = captureLog();
    const { nodes, addresses } = await startCluster([2], { logger: log.logger });
    open.push(...nodes.values());
    nodes.get(2)!.setPeers(new Map([[1, { host: '127.0.0.1', port: 1 }]]));
    const raw = await RawPeer.connect(addresses.get(2)!);
    raws.push(raw);
    expect((await raw.next()).kind).toBe(FrameKind.CHALLENGE);
    const hello = encodeHello({ version: PROTOCOL_VERSION + 1, fromId: 1, toId: 2, clusterId: 'test', nonce: Buffer.alloc(16), proof: Buffer.alloc(0) });
    raw.write(frameBytes(FrameKind.HELLO, hello));
    const answer = await raw.next();
    expect(answer.kind).toBe(FrameKind.REFUSE);
    expect(decodeRefuse(answer.payload)).toBe(`protocol version ${PROTOCOL_VERSION + 1} unsupported (we speak ${PROTOCOL_VERSION})`);
    await raw.closed;
    await log.waitFor(refusedAt(2, 'protocol version'));
  });

  it('counts every refusal but logs a flood of them only up to a budget', async () => {
    const log = captureLog();
    const { nodes, addresses } = await startCluster([2], { logger: log.logger });
    open.push(...nodes.values());
    for (let i = 0; i < 25; i++) {
      const raw = await RawPeer.connect(addresses.get(2)!);
      raws.push(raw);
      expect((await raw.hello(9, 2, 'test')).kind).toBe(FrameKind.REFUSE);
    }
    expect(nodes.get(2)!.stats().refusedConnections).toBe(25);
    expect(log.lines.filter((l) => l['msg'] === 'refused inbound connection')).toHaveLength(20);
  });
});


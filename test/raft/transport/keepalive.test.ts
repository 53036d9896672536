import { afterEach, describe, expect, it } from 'vitest';
import { FrameKind, type NodeTransport, type NodeTransportOptions, type PeerAddress } from '../../../src/raft/transport/index.js';
import { captureLog, closeAll, startCluster, withTimeout, type CapturedLog } from './helpers.js';
import { frameBytes, RawPeer } from './raw-peer.js';

describe('NodeTransport keepalive and handshake limits', () => {
  let nodes = new Map<number, NodeTransport>();
  const raws: RawPeer[] = [];
  afterEach(async () => {
    for (const r of raws.splice(0)) r.destroy();
    await closeAll(nodes.values());
  });

  /** Node 2 alone (its dials to the fictional node 4 fail), trusting node 4, which tests play by hand. */
  async function node2(extra: Partial<NodeTransportOptions>): Promise<{ log: CapturedLog; addr: PeerAddress }> {
    const log = captureLog();
    let addresses: Map<number, PeerAddress>;
    ({ nodes, addresses } = await startCluster([2], { logger: log.logger, ...extra }));
    nodes.get(2)!.setPeers(new Map([[4, { host: '127.0.0.1', port: 1 }]]));
    return { log, addr: addresses.get(2)! };
  }

  async function raw(addr: PeerAddress): Promise<RawPeer> {
    const r = await RawPeer.connect(addr);
    raws.push(r);
    return r;
  }

  /** Resolves after `count` heartbeats from the node; each one is ≥ heartbeatMs after the previous. */
  async function heartbeats(r: RawPeer, count: number, echo: boolean): Promise<void> {
    for (let seen = 0; seen < count; ) {
      const frame = await r.next();
      if (frame.kind !== FrameKind.HEARTBEAT) continue;
      seen += 1;
      if (echo) r.write(frameBytes(FrameKind.HEARTBEAT, Buffer.alloc(0)));
    }
  }

  it('keeps a connection alive on heartbeats, and closes one that falls silent', async () => {
    const { log, addr } = await node2({ heartbeatMs: 30, idleTimeoutMs: 500 });
    const chatty = await raw(addr);
    expect((await chatty.hello(4, 2, 'test')).kind).toBe(FrameKind.WELCOME);
    await heartbeats(chatty, 25, true); // ≥ 720 ms, well past the idle timeout
    expect(chatty.socket.destroyed).toBe(false);
    expect(nodes.get(2)!.stats().peers['4']?.inboundConnected).toBe(true);

    // Now silent: the node must give up on it after the idle timeout.
    await withTimeout(chatty.closed, 5000, 'idle close');
    const line = await log.waitFor((l) => l['msg'] === 'inbound connection closed');
    expect([line['peer'], String(line['reason']).startsWith('idle for')]).toEqual([4, true]);
    expect(nodes.get(2)!.stats().peers['4']?.inboundConnected).toBe(false);
  });

  it('lets a new connection replace a silent one from the same node, but not a live one', async () => {
    const { addr } = await node2({ heartbeatMs: 100, idleTimeoutMs: 10_000 });
    const first = await raw(addr);
    expect((await first.hello(4, 2, 'test')).kind).toBe(FrameKind.WELCOME);
    await heartbeats(first, 3, false); // first has now been silent for ≥ 300 ms > 2 heartbeats
    const second = await raw(addr);
    expect((await second.hello(4, 2, 'test')).kind).toBe(FrameKind.WELCOME);
    await withTimeout(first.closed, 5000, 'superseded connection to close');
    // second is fresh (it spoke within 2 heartbeats = 200 ms), so a third claimant is a duplicate.
    const third = await raw(addr);
    expect((await third.hello(4, 2, 'test')).kind).toBe(FrameKind.REFUSE);
  });

  it('closes a connection that never completes its handshake, and caps pending handshakes', async () => {
    const { log, addr } = await node2({ handshakeTimeoutMs: 200, maxPendingHandshakes: 2 });
    const mute1 = await raw(addr);
    const mute2 = await raw(addr);
    expect((await mute1.next()).kind).toBe(FrameKind.CHALLENGE);
    expect((await mute2.next()).kind).toBe(FrameKind.CHALLENGE);
    const excess = await raw(addr);
    await withTimeout(excess.closed, 5000, 'excess connection to be dropped');
    await log.waitFor((l) => l['msg'] === 'refusing connection: too many pending handshakes or closing');
    await withTimeout(Promise.all([mute1.closed, mute2.closed]), 5000, 'handshake timeout');
    // Slots are free again.
    const late = await raw(addr);
    expect((await late.hello(4, 2, 'test')).kind).toBe(FrameKind.WELCOME);
  });
});

import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FrameDecoder,
  FrameKind,
  NodeTransport,
  PROTOCOL_VERSION,
  type PeerAddress,
} from '../../../src/raft/transport/index.js';
import { encodeChallenge, encodeWelcome } from '../../../src/raft/transport/handshake.js';
import { BoundedFrameQueue } from '../../../src/raft/transport/queue.js';
import { closeAll, Inbox, peerUp, withTimeout } from './helpers.js';
import { frameBytes } from './raw-peer.js';

const LOOPBACK: PeerAddress = { host: '127.0.0.1', port: 0 };

/** A port nothing listens on (bound, read back, released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('BoundedFrameQueue', () => {
  const frame = (bytes: number) => ({ buffers: [Buffer.alloc(bytes)], bytes });

  it('evicts the oldest frames to respect both the count and the byte bound', () => {
    const q = new BoundedFrameQueue({ maxBytes: 1000, maxFrames: 3 });
    expect([q.push(frame(100)), q.push(frame(100)), q.push(frame(100))]).toEqual([0, 0, 0]);
    expect(q.push(frame(100))).toBe(1); // count bound
    expect(q.push(frame(801))).toBe(2); // count bound, then byte bound: 100+100+801 > 1000
    expect(q.frames).toBe(2);
    expect(q.bytes).toBe(901);
    expect(q.push(frame(1001))).toBe(1); // alone too big: refused, nothing evicted
    expect(q.frames).toBe(2);
    expect(q.shift()?.bytes).toBe(100);
    expect(q.shift()?.bytes).toBe(801);
    expect(q.shift()).toBeUndefined();
    expect(q.bytes).toBe(0);
  });
});

describe('NodeTransport queueing and backpressure', () => {
  const open: NodeTransport[] = [];
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await closeAll(open.splice(0));
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  function transport(id: number, peers: ReadonlyMap<number, PeerAddress>, listen = LOOPBACK, extra = {}): NodeTransport {
    const t = new NodeTransport({ nodeId: id, clusterId: 'test', listen, peers, logger: pino({ level: 'silent' }), ...extra });
    open.push(t);
    return t;
  }

  it('queues boundedly while a peer is down, dropping the oldest, and delivers the newest on connect', async () => {
    const port = await freePort();
    const address2 = { host: '127.0.0.1', port };
    const n1 = transport(1, new Map([[2, address2]]), LOOPBACK, { maxQueueFrames: 5, reconnectMaxMs: 100 });
    const addr1 = await n1.start();
    const results = Array.from({ length: 8 }, (_, i) => n1.send(2, Buffer.from(`f${i}`)));
    expect(results).toEqual([true, true, true, true, true, false, false, false]);
    const s = n1.stats().peers['2']!;
    expect([s.queueDrops, s.queuedFrames, s.connected]).toEqual([3, 5, false]);

    const n2 = transport(2, new Map([[1, addr1]]), address2);
    const inbox = new Inbox(n2);
    await n2.start();
    await peerUp(n1, 2, 10_000);
    await inbox.waitFor(1, 5);
    expect(inbox.from(1).map(String)).toEqual(['f3', 'f4', 'f5', 'f6', 'f7']);
  });

  it('waits for drain when the receiver stops reading, keeping the queue within its byte bound', async () => {
    // A hand-written acceptor that completes the handshake and then never reads again.
    const stalled = new Promise<Socket>((resolve) => {
      const server = createServer((socket) => {
        sockets.push(socket);
        socket.on('error', () => undefined);
        socket.write(frameBytes(FrameKind.CHALLENGE, encodeChallenge({ version: PROTOCOL_VERSION, nonce: Buffer.alloc(16) })));
        const decoder = new FrameDecoder(4096);
        socket.on('data', (chunk: Buffer) =>
          decoder.push(chunk, (kind) => {
            if (kind !== FrameKind.HELLO) return;
            const welcome = encodeWelcome({ version: PROTOCOL_VERSION, nodeId: 2, clusterId: 'test', proof: Buffer.alloc(0) });
            socket.write(frameBytes(FrameKind.WELCOME, welcome));
            socket.pause();
            resolve(socket);
          }),
        );
      });
      servers.push(server);
      server.listen(0, '127.0.0.1');
    });
    await withTimeout(new Promise((resolve) => servers[0]!.once('listening', resolve)), 5000, 'listen');
    const port = (servers[0]!.address() as { port: number }).port;
    const maxQueueBytes = 4 * 1024 * 1024;
    const n1 = transport(1, new Map([[2, { host: '127.0.0.1', port }]]), LOOPBACK, { maxQueueBytes, idleTimeoutMs: 60_000 });
    await n1.start();
    await withTimeout(stalled, 5000, 'stalled acceptor');
    await peerUp(n1, 2);
    const payload = Buffer.alloc(64 * 1024, 1);
    // 64 MiB offered: far beyond the kernel's socket buffers and the 4 MiB queue.
    let accepted = 0;
    for (let i = 0; i < 1024; i++) if (n1.send(2, payload)) accepted += 1;
    const s = n1.stats().peers['2']!;
    expect(s.queuedBytes).toBeLessThanOrEqual(maxQueueBytes);
    expect(s.queuedBytes).toBeGreaterThan(maxQueueBytes - 2 * (payload.length + 9));
    expect(s.queueDrops).toBeGreaterThan(0);
    expect(s.queueDrops).toBe(1024 - s.framesOut - s.queuedFrames);
    expect(accepted).toBeLessThan(1024);
  });
});

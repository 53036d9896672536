import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FramedSocket } from '../../../src/raft/transport/framed-socket.js';

describe('FramedSocket.flushCorked', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
  });

  async function connectedPair(): Promise<{ client: Socket; accepted: Socket }> {
    const srv = createServer();
    server = srv;
    const acceptedP = once(srv, 'connection') as Promise<[Socket]>;
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const client = connect((srv.address() as AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    const [accepted] = await acceptedP;
    sockets.push(client, accepted);
    return { client, accepted };
  }

  it('hands the frames written in this turn to the kernel now, not at the end of the turn', async () => {
    const { client, accepted } = await connectedPair();
    const framed = new FramedSocket(client, 1024 * 1024, pino({ level: 'silent' }));
    const payload = Buffer.alloc(512, 7);
    framed.writeEncoded([payload]);
    // Corked until the end of the turn: still in user space.
    expect(client.writableLength).toBe(payload.byteLength);
    framed.flushCorked();
    // Handed to the kernel in this turn (a 512-byte write fits any socket buffer).
    expect(client.writableLength).toBe(0);
    // A second flush, and the end-of-turn uncork, change nothing.
    framed.flushCorked();
    const received = once(accepted, 'data') as Promise<[Buffer]>;
    const [chunk] = await received;
    expect(chunk.equals(payload)).toBe(true);
    framed.close('test done');
  });
});

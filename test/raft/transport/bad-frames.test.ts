import { afterEach, describe, expect, it } from 'vitest';
import { FrameKind, type NodeTransport, type PeerAddress } from '../../../src/raft/transport/index.js';
import { captureLog, closeAll, Inbox, peerUp, startCluster, type CapturedLog } from './helpers.js';
import { frameBytes, RawPeer } from './raw-peer.js';

const MAX_FRAME = 64 * 1024;

describe('NodeTransport bad frames', () => {
  let nodes = new Map<number, NodeTransport>();
  const raws: RawPeer[] = [];
  afterEach(async () => {
    for (const r of raws.splice(0)) r.destroy();
    await closeAll(nodes.values());
  });

  /** Nodes 1 and 2 are real; node 2 also trusts node 4, which a test plays by hand with a raw socket. */
  async function setup(): Promise<{ log: CapturedLog; raw: RawPeer; inbox: Inbox; addr2: PeerAddress }> {
    const log = captureLog();
    let addresses: Map<number, PeerAddress>;
    ({ nodes, addresses } = await startCluster([1, 2], { logger: log.logger, maxFrameBytes: MAX_FRAME }));
    nodes.get(2)!.setPeers(new Map([...addresses, [4, { host: '127.0.0.1', port: 1 }]]));
    await peerUp(nodes.get(1)!, 2);
    const raw = await RawPeer.connect(addresses.get(2)!);
    raws.push(raw);
    expect((await raw.hello(4, 2, 'test')).kind).toBe(FrameKind.WELCOME);
    return { log, raw, inbox: new Inbox(nodes.get(2)!), addr2: addresses.get(2)! };
  }

  /** The healthy peer keeps delivering after the bad one was cut off. */
  async function otherPeerStillWorks(inbox: Inbox): Promise<void> {
    expect(nodes.get(1)!.send(2, Buffer.from('unaffected'))).toBe(true);
    await inbox.waitFor(1, 1);
    expect(inbox.from(1)[0]?.toString()).toBe('unaffected');
    expect(nodes.get(1)!.isPeerUp(2)).toBe(true);
  }

  it('closes only the connection that sent a CRC-corrupted frame', async () => {
    const { log, raw, inbox } = await setup();
    raw.write(frameBytes(FrameKind.DATA, Buffer.from('good')));
    const bad = frameBytes(FrameKind.DATA, Buffer.from('this payload gets a flipped bit'));
    bad[bad.length - 3]! ^= 0x10;
    raw.write(bad);
    await raw.closed;
    const line = await log.waitFor((l) => l['msg'] === 'closing connection: bad frame' && l['nodeId'] === 2);
    expect(line['peer']).toBe(4);
    expect(line['level']).toBe(40);
    expect(String(line['reason'])).toContain('CRC-32C mismatch');
    expect(inbox.from(4).map((b) => b.toString())).toEqual(['good']);
    expect(nodes.get(2)!.stats().badFrameCloses).toBe(1);
    await otherPeerStillWorks(inbox);
  });

  it('closes on an oversize length header before any payload arrives', async () => {
    const { log, raw, inbox } = await setup();
    const header = frameBytes(FrameKind.DATA, Buffer.alloc(0));
    header.writeUInt32BE(MAX_FRAME + 1, 0);
    raw.write(header); // nothing follows: the limit must be enforced on the header alone
    await raw.closed;
    const line = await log.waitFor((l) => l['msg'] === 'closing connection: bad frame' && l['nodeId'] === 2);
    expect(line['peer']).toBe(4);
    expect(String(line['reason'])).toBe(`frame of ${MAX_FRAME + 1} bytes exceeds the limit of ${MAX_FRAME}`);
    await otherPeerStillWorks(inbox);
  });

  it('holds an unauthenticated peer to the small handshake limit and to known frame kinds', async () => {
    const { log, inbox, addr2 } = await setup();
    const stranger = await RawPeer.connect(addr2);
    raws.push(stranger);
    expect((await stranger.next()).kind).toBe(FrameKind.CHALLENGE);
    stranger.write(frameBytes(FrameKind.HELLO, Buffer.alloc(5000)));
    await stranger.closed;
    await log.waitFor((l) => String(l['reason']).includes('frame of 5000 bytes exceeds the limit of 4096'));

    const garbler = await RawPeer.connect(addr2);
    raws.push(garbler);
    await garbler.next();
    garbler.write(frameBytes(FrameKind.DATA, Buffer.from('data before hello')));
    await garbler.closed;
    await log.waitFor((l) => String(l['reason']).includes('unexpected frame kind 5 before handshake'));
    await otherPeerStillWorks(inbox);
  });
});


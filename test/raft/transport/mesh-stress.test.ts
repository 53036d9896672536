import { afterEach, describe, expect, it } from 'vitest';
import type { NodeTransport } from '../../../src/raft/transport/index.js';
import { closeAll, Inbox, peerUp, startCluster } from './helpers.js';

const SEED = 7_310_214;

/** Deterministic uniform [0, 1) source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Payload of message `seq` on link from→to: an 8-byte header and a body derived from all three. */
function message(from: number, to: number, seq: number, size: number): Buffer[] {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(seq, 0);
  header.writeUInt32BE(size, 4);
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = (from * 31 + to * 7 + seq + i) & 0xff;
  return [header, body];
}

function intact(from: number, to: number, payload: Buffer): boolean {
  const seq = payload.readUInt32BE(0);
  const size = payload.readUInt32BE(4);
  return payload.length === 8 + size && Buffer.concat(message(from, to, seq, size)).equals(payload);
}

describe(`NodeTransport mesh under random traffic and drop faults (seed ${SEED})`, () => {
  let nodes = new Map<number, NodeTransport>();
  afterEach(async () => {
    await closeAll(nodes.values());
  });

  it('never corrupts, duplicates or reorders a frame on any link; only injected faults lose frames', async () => {
    const random = seeded(SEED);
    ({ nodes } = await startCluster([1, 2, 3], { random: seeded(SEED + 1) }));
    const ids = [1, 2, 3];
    const links = ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => [from, to] as const));
    for (const [from, to] of links) await peerUp(nodes.get(from)!, to);
    const inboxes = new Map(ids.map((id) => [id, new Inbox(nodes.get(id)!)]));
    const sent = new Map(links.map(([f, t]) => [`${f}>${t}`, 0]));

    for (let round = 0; round < 6; round++) {
      // Each round some links lose a random share of their frames, others none.
      for (const [from, to] of links) {
        const p = random() < 0.5 ? random() * 0.5 : 0;
        nodes.get(from)!.setLinkFault(to, p > 0 ? { dropProbability: p } : undefined);
      }
      for (let i = 0; i < 300; i++) {
        const [from, to] = links[Math.floor(random() * links.length)]!;
        const key = `${from}>${to}`;
        const seq = sent.get(key)!;
        sent.set(key, seq + 1);
        const size = random() < 0.05 ? Math.floor(random() * 300_000) : Math.floor(random() * 2000);
        nodes.get(from)!.send(to, message(from, to, seq, size));
      }
    }
    for (const t of nodes.values()) t.clearLinkFaults();
    // A final marker per link: once it arrives, everything sent before it on that link has too.
    for (const [from, to] of links) {
      const key = `${from}>${to}`;
      nodes.get(from)!.send(to, message(from, to, sent.get(key)!, 0));
    }
    for (const [from, to] of links) {
      const inbox = inboxes.get(to)!;
      const expected = sent.get(`${from}>${to}`)! + 1 - nodes.get(from)!.stats().peers[String(to)]!.faultDrops;
      await inbox.waitFor(from, expected, 15_000);
      const got = inbox.from(from);
      expect(got.filter((p) => !intact(from, to, p))).toEqual([]);
      const seqs = got.map((p) => p.readUInt32BE(0));
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
      expect(seqs.at(-1)).toBe(sent.get(`${from}>${to}`));
      expect(got).toHaveLength(expected);
      expect(nodes.get(from)!.stats().peers[String(to)]!.queueDrops).toBe(0);
    }
  });
});

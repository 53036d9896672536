import { afterEach, describe, expect, it } from 'vitest';
import type { NodeTransport } from '../../../src/raft/transport/index.js';
import { KafkaError } from '../../../src/util/errors.js';
import { closeAll, Inbox, peerUp, startCluster } from './helpers.js';

/** Deterministic uniform [0, 1) source (mulberry32), so probabilistic drops are reproducible. */
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

describe('NodeTransport link faults', () => {
  let nodes = new Map<number, NodeTransport>();
  afterEach(async () => {
    await closeAll(nodes.values());
  });

  async function mesh(ids: number[]): Promise<(id: number) => NodeTransport> {
    ({ nodes } = await startCluster(ids, { random: seeded(42) }));
    for (const a of ids) for (const b of ids) if (a !== b) await peerUp(nodes.get(a)!, b);
    return (id) => nodes.get(id)!;
  }

  it('drops everything on one directed link only, until cleared (asymmetric partition)', async () => {
    const n = await mesh([1, 2]);
    const at2 = new Inbox(n(2));
    const at1 = new Inbox(n(1));
    n(1).setLinkFault(2, { dropProbability: 1 });
    for (let i = 0; i < 100; i++) expect(n(1).send(2, Buffer.from(`lost-${i}`))).toBe(true);
    n(2).send(1, Buffer.from('reverse works'));
    await at1.waitFor(2, 1);
    n(1).clearLinkFaults();
    n(1).send(2, Buffer.from('after'));
    await at2.waitFor(1, 1);
    // Frames on a link arrive in order, so had any lost frame been sent it would precede 'after'.
    expect(at2.from(1).map((b) => b.toString())).toEqual(['after']);
    expect(n(1).stats().peers['2']?.faultDrops).toBe(100);
  });

  it('drops with a probability, reproducibly from the injected random source', async () => {
    const n = await mesh([1, 2]);
    const at2 = new Inbox(n(2));
    n(1).setLinkFault(2, { dropProbability: 0.3 });
    for (let i = 0; i < 1000; i++) n(1).send(2, Buffer.from(`m${i}`));
    n(1).setLinkFault(2, undefined);
    n(1).send(2, Buffer.from('end'));
    const dropped = n(1).stats().peers['2']!.faultDrops;
    await at2.waitFor(1, 1001 - dropped);
    expect(at2.from(1).at(-1)?.toString()).toBe('end');
    expect(dropped).toBeGreaterThan(230);
    expect(dropped).toBeLessThan(370);
  });

  it('delays frames by the given time, and a cleared delay lets later frames overtake', async () => {
    const n = await mesh([1, 2]);
    const at2 = new Inbox(n(2));
    const arrived = new Map<string, number>();
    n(2).onFrame((_from, payload) => arrived.set(payload.toString(), performance.now()));
    n(1).setLinkFault(2, { delayMs: 300 });
    const t0 = performance.now();
    n(1).send(2, Buffer.from('slow'));
    n(1).clearLinkFaults();
    n(1).send(2, Buffer.from('fast'));
    await at2.waitFor(1, 2);
    expect(at2.from(1).map((b) => b.toString())).toEqual(['fast', 'slow']);
    expect(arrived.get('slow')! - t0).toBeGreaterThanOrEqual(295);
  });

  it('applies receive-side faults to frames from one peer, and builds a symmetric partition', async () => {
    const n = await mesh([1, 2, 3]);
    const at2 = new Inbox(n(2));
    const at1 = new Inbox(n(1));
    // Partition {1} | {2}: node 2 alone cuts both directions (in: drop from 1, out: drop to 1).
    n(2).setLinkFault(1, { dropProbability: 1 }, 'in');
    n(2).setLinkFault(1, { dropProbability: 1 }, 'out');
    n(1).send(2, Buffer.from('1->2 lost'));
    n(2).send(1, Buffer.from('2->1 lost'));
    n(3).send(2, Buffer.from('3->2 ok'));
    n(3).send(1, Buffer.from('3->1 ok'));
    await at2.waitFor(3, 1);
    await at1.waitFor(3, 1);
    n(2).clearLinkFaults();
    n(1).send(2, Buffer.from('1->2 healed'));
    n(2).send(1, Buffer.from('2->1 healed'));
    await at2.waitFor(1, 1);
    await at1.waitFor(2, 1);
    expect(at2.from(1).map(String)).toEqual(['1->2 healed']);
    expect(at1.from(2).map(String)).toEqual(['2->1 healed']);
    const s2 = n(2).stats().peers['1']!;
    expect(s2.faultDrops).toBe(2);
    expect(s2.framesIn).toBe(2); // the dropped one did arrive on the wire
  });

  it('refuses an invalid fault with an error instead of crashing', async () => {
    const n = await mesh([1, 2]);
    expect(() => n(1).setLinkFault(2, { dropProbability: 1.5 })).toThrow(KafkaError);
    expect(() => n(1).setLinkFault(2, { delayMs: -1 })).toThrow(/delayMs must be in/);
    expect(() => n(1).setLinkFault(2, { delayMs: Number.NaN })).toThrow(KafkaError);
  });

  it('reorders frames with a jittered delay, losing none', async () => {
    const n = await mesh([1, 2]);
    const at2 = new Inbox(n(2));
    n(1).setLinkFault(2, { jitterMs: 80 });
    for (let i = 0; i < 50; i++) n(1).send(2, Buffer.from([i]));
    await at2.waitFor(1, 50);
    const order = at2.from(1).map((b) => b[0]!);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });
});


import { afterEach, describe, expect, it } from 'vitest';
import type { NodeTransport } from '../../../src/raft/transport/index.js';
import { captureLog, closeAll, Inbox, peerDown, peerUp, startCluster, withTimeout, type CapturedLog } from './helpers.js';

/**
 * An injected link fault must look like a real network fault to the failure detector: with the
 * link cut, keepalive and handshake frames are lost too, so the idle timeout closes the connections
 * and a redial cannot complete a handshake (no false "peer up") until the fault is cleared.
 */
describe('NodeTransport under a silent (injected) partition', () => {
  let nodes = new Map<number, NodeTransport>();
  afterEach(async () => {
    await closeAll(nodes.values());
  });

  // Short keepalive bounds keep the test fast; generous waits keep it stable on a loaded machine.
  const timing = { heartbeatMs: 100, idleTimeoutMs: 800, handshakeTimeoutMs: 300, reconnectMinMs: 20, reconnectMaxMs: 100 };

  async function pair(log: CapturedLog): Promise<(id: number) => NodeTransport> {
    ({ nodes } = await startCluster([1, 2], { ...timing, logger: log.logger }));
    const n = (id: number): NodeTransport => nodes.get(id)!;
    await Promise.all([peerUp(n(1), 2), peerUp(n(2), 1)]);
    return n;
  }

  /** Resolves once `count` lines matching `pred` have been logged (already or in the future). */
  async function logged(log: CapturedLog, pred: (l: Record<string, unknown>) => boolean, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const seen = log.lines.filter(pred).length;
      if (seen >= count) return;
      await log.waitFor((l) => pred(l) && log.lines.filter(pred).length > seen, 10_000);
    }
  }

  const cuts: Array<{ name: string; directions: Array<'out' | 'in'> }> = [
    { name: 'both ways', directions: ['out', 'in'] },
    { name: 'one way, 2 -> 1 lost at 1', directions: ['in'] },
    { name: 'one way, 1 -> 2 lost at 1', directions: ['out'] },
  ];

  it.each(cuts)('drop-all on node 1 ($name): both ends lose the peer by the idle timeout, and redials stay down until healed', async ({ directions }) => {
    const log = captureLog('debug');
    const n = await pair(log);
    const events: string[] = [];
    for (const id of [1, 2]) {
      n(id).onPeerUp((p) => events.push(`${id}: up ${p}`));
      n(id).onPeerConnectionLost((p) => events.push(`${id}: lost ${p}`));
    }
    // No traffic at all: only keepalives can notice the cut, as with a quiet Raft group.
    const downs = Promise.all([peerDown(n(1), 2, 10_000), peerDown(n(2), 1, 10_000)]);
    const cutAt = Date.now();
    for (const d of directions) n(1).setLinkFault(2, { dropProbability: 1 }, d);
    await downs;
    // The idle timeout counts from the last frame heard, which may precede the cut by up to one
    // keepalive interval (a fresh-clone CI run saw 798 ms against a bound of 800).
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(timing.idleTimeoutMs - timing.heartbeatMs);
    expect(events).toContain('1: lost 2');
    expect(events).toContain('2: lost 1');

    // Both sides keep redialing; each attempt must die in its handshake, never come up.
    const failed = (from: number) => (l: Record<string, unknown>) => l['msg'] === 'connect attempt failed' && l['nodeId'] === from;
    await Promise.all([logged(log, failed(1), 2), logged(log, failed(2), 2)]);
    expect(events.filter((e) => e.includes('up'))).toEqual([]);
    expect([n(1).isPeerUp(2), n(2).isPeerUp(1)]).toEqual([false, false]);
    expect(n(1).stats().peers['2']!.controlFaultDrops).toBeGreaterThan(0);

    // Healed: both links come back and carry data.
    const ups = Promise.all([peerUp(n(1), 2, 10_000), peerUp(n(2), 1, 10_000)]);
    n(1).clearLinkFaults();
    await ups;
    const at2 = new Inbox(n(2));
    const at1 = new Inbox(n(1));
    n(1).send(2, Buffer.from('1->2'));
    n(2).send(1, Buffer.from('2->1'));
    await Promise.all([at2.waitFor(1, 1), at1.waitFor(2, 1)]);
  });

  it('delays apply to keepalives: a delay inside the idle timeout keeps the link, one beyond it closes it', async () => {
    const log = captureLog();
    const n = await pair(log);
    // 150 ms each way is well inside the 800 ms idle timeout. Ping-pong for more than 2 idle
    // timeouts (each round trip takes at least 300 ms): node 1's dialed connection hears only
    // node 2's keepalives, now delayed, so it survives only if delayed keepalives count.
    n(1).setLinkFault(2, { delayMs: 150 }, 'out');
    n(1).setLinkFault(2, { delayMs: 150 }, 'in');
    const at2 = new Inbox(n(2));
    const at1 = new Inbox(n(1));
    const startedAt = Date.now();
    for (let round = 1; round <= 6; round++) {
      n(1).send(2, Buffer.from(`ping ${round}`));
      await at2.waitFor(1, round);
      n(2).send(1, Buffer.from(`pong ${round}`));
      await at1.waitFor(2, round);
    }
    expect(Date.now() - startedAt).toBeGreaterThan(2 * timing.idleTimeoutMs);
    expect([n(1).stats().peers['2']!.reconnects, n(2).stats().peers['1']!.reconnects]).toEqual([0, 0]);
    expect([n(1).isPeerUp(2), n(2).isPeerUp(1)]).toEqual([true, true]);

    const downs = Promise.all([peerDown(n(1), 2, 10_000), peerDown(n(2), 1, 10_000)]);
    n(1).setLinkFault(2, { delayMs: 3 * timing.idleTimeoutMs }, 'out');
    n(1).setLinkFault(2, { delayMs: 3 * timing.idleTimeoutMs }, 'in');
    await withTimeout(downs, 10_000, 'both ends to give up on a link slower than the idle timeout');
  });
});

import { describe, expect, it } from 'vitest';
import { closeAll, Inbox, peerUp, startCluster } from './helpers.js';

/** Counts of the handle kinds the transport creates: sockets, servers and timers. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = { TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 0 };
  for (const kind of process.getActiveResourcesInfo()) if (kind in counts) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('NodeTransport close', () => {
  it('leaves no sockets, servers or timers behind, even with delays, queues and redials pending', async () => {
    const before = handles();
    const { nodes } = await startCluster([1, 2, 3]);
    const [n1, n2, n3] = [nodes.get(1)!, nodes.get(2)!, nodes.get(3)!];
    await peerUp(n1, 2);
    await peerUp(n1, 3);
    const inbox = new Inbox(n2);
    n1.send(2, Buffer.from('x'));
    await inbox.waitFor(1, 1);
    n1.setLinkFault(2, { delayMs: 60_000 }); // a pending delay timer
    n1.send(2, Buffer.from('held'));
    await n3.close(); // node 1 now redials node 3 with backoff timers, and queues for it
    n1.send(3, Buffer.from('queued'));
    expect(handles().TCPSocketWrap).toBeGreaterThan(before.TCPSocketWrap!);
    await closeAll([n1, n2]);
    expect(handles()).toEqual(before);
    expect(n1.send(2, Buffer.from('after close'))).toBe(false);
  });
});

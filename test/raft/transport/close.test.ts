import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { closeAll, Inbox, peerUp, startCluster } from './helpers.js';

/** The async resource types the transport creates: sockets, listeners, connects and timers. */
const TRACKED = new Set(['TCPWRAP', 'TCPSERVERWRAP', 'TCPCONNECTWRAP', 'Timeout']);

describe('NodeTransport close', () => {
  it('leaves no sockets, servers or timers behind, even with delays, queues and redials pending', async () => {
    // Every tracked resource created from here on, until its destroy hook runs.
    const live = new Map<number, string>();
    const hook = createHook({
      init: (id, type) => {
        if (TRACKED.has(type)) live.set(id, type);
      },
      destroy: (id) => {
        live.delete(id);
      },
    }).enable();
    try {
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
      expect([...live.values()].filter((t) => t === 'TCPWRAP').length).toBeGreaterThan(0);
      await closeAll([n1, n2]);
      // Destroy hooks are delivered from a native queue drained on the next turn of the loop.
      await new Promise((resolve) => setImmediate(resolve));
      expect([...live.values()]).toEqual([]);
      expect(n1.send(2, Buffer.from('after close'))).toBe(false);
    } finally {
      hook.disable();
    }
  });
});

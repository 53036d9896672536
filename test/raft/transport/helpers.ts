import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { NodeTransport, type NodeTransportOptions, type PeerAddress } from '../../../src/raft/transport/index.js';

/** A pino logger whose JSON lines are kept in memory, so a test can assert what was logged. */
export interface CapturedLog {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first line (already logged or future) matching `pred`; rejects after `timeoutMs`. */
  waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function captureLog(level: 'debug' | 'info' | 'warn' = 'info'): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.length === 0) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.pred(line)) {
            waiters.delete(w);
            w.resolve(line);
          }
        }
      }
      cb();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    lines,
    waitFor(pred, timeoutMs = 5000) {
      const found = lines.find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return withTimeout(
        new Promise((resolve) => waiters.add({ pred, resolve })),
        timeoutMs,
        'log line',
      );
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves when `transport` reports `peer` up (immediately if it already is). */
export function peerUp(transport: NodeTransport, peer: number, timeoutMs = 5000): Promise<void> {
  if (transport.isPeerUp(peer)) return Promise.resolve();
  let off: () => void = () => undefined;
  const up = new Promise<void>((resolve) => {
    off = transport.onPeerUp((id) => {
      if (id === peer) resolve();
    });
  });
  return withTimeout(up, timeoutMs, `peer ${peer} up at node ${transport.nodeId}`).finally(() => off());
}

export function peerDown(transport: NodeTransport, peer: number, timeoutMs = 5000): Promise<void> {
  let off: () => void = () => undefined;
  const down = new Promise<void>((resolve) => {
    off = transport.onPeerDown((id) => {
      if (id === peer) resolve();
    });
  });
  return withTimeout(down, timeoutMs, `peer ${peer} down at node ${transport.nodeId}`).finally(() => off());
}

/** Collects frames received by `transport`; `next(n)` resolves once n frames from `from` have arrived. */
export class Inbox {
  readonly frames: Array<{ from: number; payload: Buffer }> = [];
  private readonly counts = new Map<number, number>();
  private waiter: { from: number; count: number; resolve: () => void } | undefined;

  constructor(transport: NodeTransport) {
    transport.onFrame((from, payload) => {
      this.frames.push({ from, payload });
      this.counts.set(from, this.count(from) + 1);
      const w = this.waiter;
      if (w !== undefined && this.count(w.from) >= w.count) {
        this.waiter = undefined;
        w.resolve();
      }
    });
  }

  count(from: number): number {
    return this.counts.get(from) ?? 0;
  }

  from(id: number): Buffer[] {
    return this.frames.filter((f) => f.from === id).map((f) => f.payload);
  }

  waitFor(from: number, count: number, timeoutMs = 5000): Promise<void> {
    if (this.count(from) >= count) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => (this.waiter = { from, count, resolve })), timeoutMs, `${count} frames from ${from}`);
  }
}

const LOOPBACK: PeerAddress = { host: '127.0.0.1', port: 0 };

/**
 * Starts `ids.length` transports on ephemeral ports and wires them into a full mesh. The peer sets
 * are filled in after every port is known, through setPeers (which is also what membership changes use).
 */
export async function startCluster(
  ids: number[],
  extra: Partial<Omit<NodeTransportOptions, 'nodeId' | 'listen' | 'peers'>> = {},
): Promise<{ nodes: Map<number, NodeTransport>; addresses: Map<number, PeerAddress> }> {
  const nodes = new Map<number, NodeTransport>();
  const addresses = new Map<number, PeerAddress>();
  for (const id of ids) {
    const t = new NodeTransport({ clusterId: 'test', logger: pino({ level: 'silent' }), ...extra, nodeId: id, listen: LOOPBACK, peers: new Map() });
    nodes.set(id, t);
    addresses.set(id, await t.start());
  }
  for (const t of nodes.values()) t.setPeers(addresses);
  return { nodes, addresses };
}

export async function closeAll(nodes: Iterable<NodeTransport>): Promise<void> {
  await Promise.all([...nodes].map((t) => t.close()));
}

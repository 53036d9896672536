import type { MetadataImage } from '../../state/index.js';
import type { AdminSources } from './sources.js';

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export interface ReadinessOptions {
  /** Bound on the whole check; each wait inside is event-driven and gets what is left of it. */
  readonly timeoutMs: number;
  /**
   * Also require this node in the ISR of every partition it hosts: the condition an operator
   * waits for before restarting the next node of a rolling restart.
   */
  readonly inSync: boolean;
}

/**
 * Ready = serving: not draining; this broker's registration is applied (clients can be routed to
 * it); `__meta` has a live leader and a ReadIndex barrier through it succeeded, so everything
 * committed before the probe is applied here; optionally, caught up into every ISR.
 */
export async function checkReadiness(s: AdminSources, o: ReadinessOptions): Promise<Readiness> {
  const deadline = performance.now() + o.timeoutMs;
  const left = (): number => Math.max(0, Math.ceil(deadline - performance.now()));
  if (!s.accepting()) return notReady('shutting down');
  try {
    await s.waitForImage((image) => image.brokers.has(s.nodeId), left());
  } catch {
    return notReady('broker not registered yet');
  }
  try {
    await s.metaBarrier(left());
  } catch (err) {
    return notReady(`__meta read barrier failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const leader = s.metaLeader();
  // The barrier resolves without a round trip when no leader RPC succeeds; a leader we cannot reach
  // means the barrier proved nothing.
  if (leader === undefined || !s.liveBrokers().has(leader)) return notReady('no reachable __meta leader');
  // No separate applied-vs-commit comparison: the commit index moves ahead of apply by one Ready
  // round all the time, so it would flap; the barrier already proved what matters.
  if (o.inSync) {
    try {
      await s.waitForImage((image) => outOfSync(s, image) === 0, left());
    } catch {
      return notReady(`not in the ISR of ${outOfSync(s, s.image())} hosted partitions`);
    }
  }
  return { ready: true, reason: 'ok' };
}

function notReady(reason: string): Readiness {
  return { ready: false, reason };
}

/** Partitions hosted here whose ISR does not (yet) include this node. */
function outOfSync(s: AdminSources, image: MetadataImage): number {
  let n = 0;
  for (const r of s.replicas()) {
    const p = image.topicsById.get(r.opts.topicId)?.partitions[r.opts.partition];
    if (p !== undefined && !p.isr.includes(s.nodeId)) n++;
  }
  return n;
}

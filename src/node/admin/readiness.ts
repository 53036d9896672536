import type { AdminSources } from './sources.js';

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

/**
 * Ready = serving: not draining, `__meta` has a leader, a ReadIndex barrier through that leader
 * succeeded within the bound (so everything committed before the probe is applied here), and this
 * broker's registration is in the image (clients can be routed to it).
 */
export async function checkReadiness(s: AdminSources, timeoutMs: number): Promise<Readiness> {
  if (!s.accepting()) return { ready: false, reason: 'shutting down' };
  if (s.metaLeader() === undefined) return { ready: false, reason: 'no __meta leader' };
  try {
    await s.metaBarrier(timeoutMs);
  } catch (err) {
    return { ready: false, reason: `__meta read barrier failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const st = s.raft.status(s.metaGroup);
  if (st.applied < st.commit) return { ready: false, reason: `__meta applied ${st.applied} < commit ${st.commit}` };
  if (!s.image().brokers.has(s.nodeId)) return { ready: false, reason: 'broker not registered yet' };
  return { ready: true, reason: 'ok' };
}

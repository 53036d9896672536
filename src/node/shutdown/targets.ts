import type { GroupStatus } from '../../raft/driver/index.js';

/**
 * Picks who should take over a group this node leads: a live follower, preferring the in-sync set
 * (for partitions, so the hand-off never waits on a replica that is catching up), then the highest
 * matched index (least to replicate before the transfer completes). undefined: nobody suitable.
 */
export function pickSuccessor(status: GroupStatus, self: number, live: ReadonlySet<number>, inSync: ReadonlySet<number> | undefined): number | undefined {
  let best: { id: number; preferred: boolean; match: number } | undefined;
  for (const [id, match] of status.match) {
    if (id === self || !live.has(id)) continue;
    const preferred = inSync === undefined || inSync.has(id);
    if (best === undefined || (preferred && !best.preferred) || (preferred === best.preferred && match > best.match)) best = { id, preferred, match };
  }
  return best?.id;
}

import type { ChronikNode } from '../node/node.js';
import { NO_LEADER, type MetadataImage } from '../state/index.js';

/**
 * True when every partition in `image` is led by a running node whose replica is serving in the
 * epoch the image shows. On a fresh cluster that holds once topics are created; on a restart from
 * existing data the image first shows the leaders of the previous run (an older epoch), and the
 * partitions serve again only after their groups re-elect and commit a new LeaderElected.
 */
export function leadersServing(image: MetadataImage, live: readonly ChronikNode[]): boolean {
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      if (p.leader === NO_LEADER) return false;
      const leader = live.find((n) => n.config.nodeId === p.leader);
      const serving = leader?.partitions.replica(topic.name, p.partition)?.serving;
      if (serving === undefined || serving.epoch !== p.leaderEpoch) return false;
    }
  }
  return true;
}

/**
 * Resolves once each running node's image shows every partition served by its current leader.
 * Event-driven: re-evaluated as each `__meta` entry applies (the new LeaderElected is the last
 * step of a partition coming back), bounded by timeoutMs.
 */
export async function waitForServingLeaders(live: readonly ChronikNode[], timeoutMs: number): Promise<void> {
  await Promise.all(
    live.map((n) => n.meta.state.waiters.waitFor((image) => (leadersServing(image, live) ? true : undefined), { timeoutMs, what: 'partition leaders serving' })),
  );
}

/**
 * Which node the Raft group of a partition really has as leader, from the nodes' admin HTTP
 * `/v1/raft` view: Kafka Metadata may lag a leadership change (e.g. a preferred-leader transfer in
 * flight), and killing a node that is not the leader would measure nothing.
 */
import type { BenchCluster } from './cluster.js';

const PAGE = 1000;
const MAX_PAGES = 20;
const REQUEST_TIMEOUT_MS = 2000;

interface GroupView {
  topic?: string;
  partition?: number;
  role: string;
  term: number;
}

interface RaftPage {
  groups: GroupView[];
  next: number | null;
}

async function findGroup(host: string, port: number, topic: string, partition: number): Promise<GroupView | undefined> {
  let offset: number | null = 0;
  for (let page = 0; page < MAX_PAGES && offset !== null; page++) {
    const res = await fetch(`http://${host}:${port}/v1/raft?offset=${offset}&limit=${PAGE}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = (await res.json()) as RaftPage;
    const hit = body.groups.find((g) => g.topic === topic && g.partition === partition);
    if (hit !== undefined) return hit;
    offset = body.next;
  }
  return undefined;
}

/** The live node whose group is in the leader role (the highest term wins a stale claim); undefined if none. */
export async function raftLeader(cluster: BenchCluster, topic: string, partition: number): Promise<number | undefined> {
  const live = new Set(cluster.pids().map((p) => p.node));
  let best: { node: number; term: number } | undefined;
  for (const node of cluster.nodes) {
    if (!live.has(node.id) || node.admin === undefined) continue;
    const g = await findGroup(node.admin.host, node.admin.port, topic, partition).catch(() => undefined);
    if (g?.role === 'leader' && (best === undefined || g.term > best.term)) best = { node: node.id, term: g.term };
  }
  return best?.node;
}

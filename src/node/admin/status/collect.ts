import { ApiKey, type MetadataResponse } from '../../../kafka/protocol/index.js';
import type { RaftGroupView } from '../views.js';
import { readAdmin, type AdminEndpoint, type NodeAdminView } from './admin-views.js';
import { readGroups, type BrokerAddress } from './groups.js';
import { KafkaAdminClient } from './kafka-client.js';
import type { ClusterStatus, MetaStatus, NodeStatus, PartitionStatus, TopicStatus } from './types.js';

export interface StatusOptions {
  readonly bootstrap: { readonly host: string; readonly port: number };
  /** Admin endpoints to read; default: each broker's Kafka host at its Kafka port + 1000. */
  readonly admin?: readonly AdminEndpoint[];
  /** Bound on each request (connect, Kafka request, HTTP GET). */
  readonly timeoutMs: number;
  readonly includeInternal: boolean;
}

/** Assembles the cluster view from Kafka Metadata/group APIs and every reachable admin endpoint. */
export async function collectStatus(o: StatusOptions): Promise<ClusterStatus> {
  const problems: string[] = [];
  const metadata = await readMetadata(o);
  const brokers: BrokerAddress[] = metadata.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port }));
  const endpoints = o.admin ?? brokers.map((b) => ({ host: b.host, port: b.port + 1000 }));
  const admins = await readAdmins(endpoints, o.timeoutMs, problems);
  const topics = metadata.topics.filter((t) => o.includeInternal || !t.isInternal).map((t) => topicStatus(t, admins));
  const allTopics = metadata.topics.map((t) => topicStatus(t, admins));
  const groups = await readGroups(brokers, allTopics, o.timeoutMs, problems);
  return {
    clusterId: metadata.clusterId,
    nodes: nodeStatuses(brokers, admins, groups.reachable),
    meta: metaStatus(admins),
    topics: topics.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    groups: groups.groups,
    problems,
  };
}

async function readMetadata(o: StatusOptions): Promise<MetadataResponse> {
  const client = await KafkaAdminClient.connect(o.bootstrap.host, o.bootstrap.port, o.timeoutMs);
  try {
    return await client.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false }, o.timeoutMs);
  } finally {
    client.close();
  }
}

async function readAdmins(endpoints: readonly AdminEndpoint[], timeoutMs: number, problems: string[]): Promise<Map<number, NodeAdminView>> {
  const results = await Promise.allSettled(endpoints.map((e) => readAdmin(e, timeoutMs)));
  const byNode = new Map<number, NodeAdminView>();
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') byNode.set(r.value.meta.nodeId, r.value);
    else problems.push(`admin ${endpoints[i]?.host}:${endpoints[i]?.port}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
  });
  return byNode;
}

function nodeStatuses(brokers: readonly BrokerAddress[], admins: ReadonlyMap<number, NodeAdminView>, kafkaReachable: ReadonlySet<number>): NodeStatus[] {
  const ids = new Set<number>(brokers.map((b) => b.id));
  for (const view of admins.values()) for (const b of view.meta.brokers) ids.add(b.id);
  return [...ids]
    .sort((a, b) => a - b)
    .map((id) => {
      const broker = brokers.find((b) => b.id === id);
      const own = admins.get(id);
      const seenUp = [...admins.values()].some((v) => v.meta.brokers.some((b) => b.id === id && b.up));
      return {
        id,
        kafka: broker === undefined ? null : `${broker.host}:${broker.port}`,
        admin: own === undefined ? null : `${own.endpoint.host}:${own.endpoint.port}`,
        up: own !== undefined || kafkaReachable.has(id) || seenUp,
        adminReachable: own !== undefined,
        metaAppliedIndex: own?.meta.appliedIndex ?? null,
      };
    });
}

/** Term and commit come from the leader's own view when reachable (the freshest), else any node's. */
function metaStatus(admins: ReadonlyMap<number, NodeAdminView>): MetaStatus {
  const views = [...admins.values()];
  const leader = views.find((v) => v.meta.metaLeader !== null && admins.has(v.meta.metaLeader))?.meta.metaLeader ?? views.find((v) => v.meta.metaLeader !== null)?.meta.metaLeader ?? null;
  const source = (leader === null ? undefined : admins.get(leader)) ?? views[0];
  const group = source?.groups.find((g) => g.groupId === '__meta');
  return { leader, term: group?.term ?? null, commitIndex: group?.commit ?? null };
}

function topicStatus(t: MetadataResponse['topics'][number], admins: ReadonlyMap<number, NodeAdminView>): TopicStatus {
  const name = t.name ?? '';
  return {
    name,
    topicId: t.topicId,
    internal: t.isInternal,
    partitions: t.partitions
      .map((p): PartitionStatus => {
        const group = leaderGroup(admins.get(p.leaderId), name, p.partitionIndex);
        return {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          highWatermark: group?.highWatermark ?? null,
          followerLag: group === undefined ? {} : followerLag(group, p.leaderId),
          errorCode: p.errorCode,
        };
      })
      .sort((a, b) => a.partition - b.partition),
  };
}

function leaderGroup(view: NodeAdminView | undefined, topic: string, partition: number): RaftGroupView | undefined {
  return view?.groups.find((g) => g.topic === topic && g.partition === partition && g.role === 'leader');
}

function followerLag(group: RaftGroupView, leader: number): Record<string, number> {
  const lag: Record<string, number> = {};
  for (const [id, match] of Object.entries(group.match)) if (Number(id) !== leader) lag[id] = Math.max(0, group.lastIndex - match);
  return lag;
}

import { ApiKey } from '../../../kafka/protocol/index.js';
import { KafkaAdminClient } from './kafka-client.js';
import type { GroupStatusView, TopicStatus } from './types.js';

export interface BrokerAddress {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** Groups described per broker; a cluster with more is summarised by its first ones. */
const MAX_GROUPS_PER_BROKER = 1000;

/**
 * Every broker lists the groups it coordinates (ListGroups); the same broker describes them and
 * returns their committed offsets. Lag is the partition's high watermark minus the committed offset.
 */
export async function readGroups(
  brokers: readonly BrokerAddress[],
  topics: readonly TopicStatus[],
  timeoutMs: number,
  problems: string[],
): Promise<{ groups: GroupStatusView[]; reachable: Set<number> }> {
  const reachable = new Set<number>();
  const hw = new Map<string, number | null>();
  for (const t of topics) for (const p of t.partitions) hw.set(`${t.name}/${p.partition}`, p.highWatermark);
  const perBroker = await Promise.allSettled(brokers.map((b) => brokerGroups(b, hw, timeoutMs).then((g) => (reachable.add(b.id), g))));
  const groups: GroupStatusView[] = [];
  perBroker.forEach((r, i) => {
    if (r.status === 'fulfilled') groups.push(...r.value);
    else problems.push(`broker ${brokers[i]?.id}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
  });
  return { groups: groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0)), reachable };
}

async function brokerGroups(b: BrokerAddress, hw: ReadonlyMap<string, number | null>, timeoutMs: number): Promise<GroupStatusView[]> {
  const client = await KafkaAdminClient.connect(b.host, b.port, timeoutMs);
  try {
    const listed = await client.request(ApiKey.ListGroups, 4, { statesFilter: [] }, timeoutMs);
    const ids = listed.groups.slice(0, MAX_GROUPS_PER_BROKER).map((g) => g.groupId);
    if (ids.length === 0) return [];
    const described = await client.request(ApiKey.DescribeGroups, 5, { groups: ids }, timeoutMs);
    const views: GroupStatusView[] = [];
    for (const g of described.groups) {
      if (g.errorCode !== 0) continue;
      const offsets = await client.request(ApiKey.OffsetFetch, 7, { groupId: g.groupId, topics: null }, timeoutMs);
      const partitions = offsets.topics.flatMap((t) =>
        t.partitions
          .filter((p) => p.errorCode === 0 && p.committedOffset >= 0)
          .map((p) => {
            const high = hw.get(`${t.name}/${p.partitionIndex}`) ?? null;
            return { topic: t.name, partition: p.partitionIndex, committed: p.committedOffset, lag: high === null ? null : Math.max(0, high - p.committedOffset) };
          }),
      );
      const known = partitions.every((p) => p.lag !== null);
      views.push({
        groupId: g.groupId,
        coordinator: b.id,
        state: g.groupState,
        protocolType: g.protocolType,
        members: g.members.length,
        lag: known ? partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0) : null,
        partitions,
      });
    }
    return views;
  } finally {
    client.close();
  }
}

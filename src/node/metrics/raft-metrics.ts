import { Gauge, type Registry } from 'prom-client';
import { Role } from '../../raft/core/index.js';
import type { GroupStatus, RaftHostStats } from '../../raft/driver/index.js';
import { HotHistogram } from './hot-histogram.js';
import { pulledCounter } from './pulled-counter.js';
import type { MetricSources } from './sources.js';

/** Propose → applied on the leader: one fsync round plus one replication round trip, up to stalls of seconds. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/**
 * Commit latency as a histogram (aggregatable across nodes, unlike quantiles), fed by the Raft
 * host's commit-latency reservoir's sample listener, so the driver knows nothing of metrics.
 * Samples taken before the metrics are registered (the node's first moments) are not in it.
 */
function registerCommitLatency(registry: Registry, stats: RaftHostStats): void {
  const histogram = new HotHistogram({
    name: 'chronik_raft_commit_latency_seconds',
    help: 'Propose-to-applied latency of entries proposed on this node while it leads their group (every group, __meta included).',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  const series = histogram.series();
  stats.commitLatencyMs.onSample((ms) => series.observe(ms / 1000));
}

/** Raft host counters, the `__meta` group's position and per-follower lag aggregated over groups. */
export function registerRaftMetrics(registry: Registry, s: MetricSources): void {
  const stats = s.raft.stats;
  const counter = (name: string, help: string, read: () => number): void => {
    pulledCounter(registry, { name, help }, () => [{ labels: {}, value: read() }]);
  };
  counter('chronik_raft_elections_total', 'Campaigns (pre-vote or vote) started by groups on this node.', () => stats.elections);
  counter('chronik_raft_leader_changes_total', 'Leader or term changes seen by groups on this node.', () => stats.leaderChanges);
  counter('chronik_raft_proposals_total', 'Entries proposed on this node.', () => stats.proposals);
  counter('chronik_raft_persist_rounds_total', 'Ready drains that persisted entries or state (one WAL sync round each).', () => stats.fsyncRounds);
  counter('chronik_raft_snapshots_taken_total', 'Snapshots taken.', () => stats.snapshotsTaken);
  counter('chronik_raft_snapshots_installed_total', 'Snapshots installed from a leader.', () => stats.snapshotsInstalled);
  counter('chronik_raft_dropped_messages_total', 'Raft messages dropped (unknown group, bad frame or bad addressing).', () => stats.unknownGroupDrops + stats.badFrames + stats.badMessages);

  registerCommitLatency(registry, s.raft.stats);
  registerMetaGauges(registry, s);
  registerFollowerLag(registry, s);
  registerRoles(registry, s);
}

/**
 * Raft groups hosted here by role (4 values). Groups stuck as candidates mean elections that do not
 * conclude; a node leading nothing after a restart is what leader balancing should fix.
 */
function registerRoles(registry: Registry, s: MetricSources): void {
  new Gauge({
    name: 'chronik_raft_groups',
    help: 'Raft groups hosted on this node (__meta and partitions), by role.',
    labelNames: ['role'],
    registers: [registry],
    collect(this: Gauge<'role'>) {
      const counts = new Map<string, number>(Object.values(Role).map((role) => [role, 0]));
      for (const groupId of s.raft.groupIds()) {
        const role = s.raft.status(groupId).role;
        counts.set(role, (counts.get(role) ?? 0) + 1);
      }
      for (const [role, n] of counts) this.set({ role }, n);
    },
  });
}

function metaStatus(s: MetricSources): GroupStatus | undefined {
  return s.raft.has(s.metaGroup) ? s.raft.status(s.metaGroup) : undefined;
}

function registerMetaGauges(registry: Registry, s: MetricSources): void {
  const gauge = (name: string, help: string, read: (st: GroupStatus) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        const st = metaStatus(s);
        if (st !== undefined) this.set(read(st));
      },
    });
  };
  gauge('chronik_meta_term', 'Current Raft term of the __meta group.', (st) => st.term);
  gauge('chronik_meta_commit_index', 'Commit index of the __meta group as known here.', (st) => st.commit);
  gauge('chronik_meta_applied_index', 'Index of the last __meta entry applied to the image here.', (st) => st.applied);
  gauge('chronik_meta_leader', 'Node id of the __meta leader (-1: none known).', (st) => st.leader ?? -1);
  gauge('chronik_meta_is_leader', '1 if this node leads __meta.', (st) => (st.role === Role.LEADER ? 1 : 0));
}

/**
 * Lag of each follower behind this node, over every group this node leads. Labelled by peer only
 * (cardinality = cluster size), never by partition: max and sum over groups are what alerting needs.
 */
function registerFollowerLag(registry: Registry, s: MetricSources): void {
  const read = (): Map<number, { max: number; sum: number }> => {
    const lag = new Map<number, { max: number; sum: number }>();
    for (const groupId of s.raft.groupIds()) {
      const st = s.raft.status(groupId);
      if (st.role !== Role.LEADER) continue;
      for (const [peer, match] of st.match) {
        if (peer === s.nodeId) continue;
        const behind = Math.max(0, st.lastIndex - match);
        const agg = lag.get(peer) ?? { max: 0, sum: 0 };
        agg.max = Math.max(agg.max, behind);
        agg.sum += behind;
        lag.set(peer, agg);
      }
    }
    return lag;
  };
  new Gauge({
    name: 'chronik_raft_follower_lag_max_entries',
    help: 'Largest number of entries a follower is behind this leader, over the groups this node leads.',
    labelNames: ['peer'],
    registers: [registry],
    collect(this: Gauge<'peer'>) {
      this.reset();
      for (const [peer, agg] of read()) this.set({ peer: String(peer) }, agg.max);
    },
  });
  new Gauge({
    name: 'chronik_raft_follower_lag_sum_entries',
    help: 'Entries a follower is behind this leader, summed over the groups this node leads.',
    labelNames: ['peer'],
    registers: [registry],
    collect(this: Gauge<'peer'>) {
      this.reset();
      for (const [peer, agg] of read()) this.set({ peer: String(peer) }, agg.sum);
    },
  });
}

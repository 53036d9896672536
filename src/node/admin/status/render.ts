import type { ClusterStatus, PartitionStatus } from './types.js';

/** The human-readable view: aligned tables, one section per concern. */
export function renderStatus(s: ClusterStatus): string {
  const out: string[] = [];
  out.push(`Cluster ${s.clusterId ?? '(unknown)'}`);
  out.push(`__meta: leader ${show(s.meta.leader)}, term ${show(s.meta.term)}, commit ${show(s.meta.commitIndex)}`);
  out.push('', 'Nodes');
  out.push(...table(['ID', 'STATE', 'KAFKA', 'ADMIN', 'META APPLIED'], s.nodes.map((n) => [String(n.id), n.up ? 'up' : 'DOWN', n.kafka ?? '-', n.admin ?? '-', show(n.metaAppliedIndex)])));
  out.push('', 'Topics');
  const rows = s.topics.flatMap((t) => t.partitions.map((p) => partitionRow(t.name, p)));
  out.push(...(rows.length === 0 ? ['  (none)'] : table(['TOPIC', 'PART', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'HW', 'FOLLOWER LAG'], rows)));
  out.push('', 'Consumer groups');
  const groups = s.groups.map((g) => [g.groupId, g.state, String(g.members), String(g.coordinator), show(g.lag)]);
  out.push(...(groups.length === 0 ? ['  (none)'] : table(['GROUP', 'STATE', 'MEMBERS', 'COORDINATOR', 'LAG'], groups)));
  if (s.problems.length > 0) out.push('', 'Problems', ...s.problems.map((p) => `  ${p}`));
  return `${out.join('\n')}\n`;
}

function partitionRow(topic: string, p: PartitionStatus): string[] {
  const lag = Object.entries(p.followerLag)
    .map(([id, n]) => `${id}:${n}`)
    .join(',');
  const underReplicated = p.isr.length < p.replicas.length ? ' (under-replicated)' : '';
  return [topic, String(p.partition), p.leader < 0 ? 'none' : String(p.leader), String(p.leaderEpoch), p.replicas.join(','), p.isr.join(',') + underReplicated, show(p.highWatermark), lag === '' ? '-' : lag];
}

function show(v: number | null): string {
  return v === null ? '?' : String(v);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

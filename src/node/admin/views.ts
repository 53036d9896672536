import { Role } from '../../raft/core/index.js';
import { digest } from '../../state/index.js';
import type { AdminSources } from './sources.js';

/** `/v1/meta`: enough to compare metadata images across nodes (equal digest at equal index). */
export interface MetaView {
  readonly nodeId: number;
  readonly metaLeader: number | null;
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly digest: string;
  readonly brokers: readonly { id: number; kafka: string; rack: string | null; up: boolean }[];
}

export function metaView(s: AdminSources): MetaView {
  const image = s.image();
  const live = s.liveBrokers();
  return {
    nodeId: s.nodeId,
    metaLeader: s.metaLeader() ?? null,
    appliedIndex: image.appliedIndex,
    appliedTerm: image.appliedTerm,
    digest: digest(image),
    brokers: image.brokers
      .values()
      .map((b) => ({ id: b.brokerId, kafka: `${b.kafkaHost}:${b.kafkaPort}`, rack: b.rack === '' ? null : b.rack, up: live.has(b.brokerId) }))
      .sort((a, b) => a.id - b.id),
  };
}

/** One Raft group as `/v1/raft` reports it; partition groups also name their topic and watermark. */
export interface RaftGroupView {
  readonly groupId: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly highWatermark?: number;
  readonly role: string;
  readonly term: number;
  readonly leader: number | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Leader only: follower node id → last matching index. */
  readonly match: Record<string, number>;
}

export interface RaftView {
  readonly nodeId: number;
  readonly total: number;
  readonly offset: number;
  readonly groups: readonly RaftGroupView[];
  /** Offset of the next page, or null on the last page. */
  readonly next: number | null;
}

export const MAX_RAFT_PAGE = 1000;

/** `/v1/raft`: `__meta` first, then groups by id, one page at a time. */
export function raftView(s: AdminSources, offset: number, limit: number): RaftView {
  const ids = s.raft.groupIds().sort((a, b) => (a === s.metaGroup ? -1 : b === s.metaGroup ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const replicas = new Map<string, { topic: string; partition: number; hw: number }>();
  for (const r of s.replicas()) replicas.set(r.opts.groupId, { topic: r.opts.topic, partition: r.opts.partition, hw: r.highWatermark });
  const page = ids.slice(offset, offset + limit).map((groupId): RaftGroupView => {
    const st = s.raft.status(groupId);
    const r = replicas.get(groupId);
    return {
      groupId,
      ...(r === undefined ? {} : { topic: r.topic, partition: r.partition, highWatermark: r.hw }),
      role: st.role,
      term: st.term,
      leader: st.leader ?? null,
      commit: st.commit,
      applied: st.applied,
      firstIndex: st.firstIndex,
      lastIndex: st.lastIndex,
      match: st.role === Role.LEADER ? Object.fromEntries([...st.match].map(([id, m]) => [String(id), m])) : {},
    };
  });
  const end = offset + page.length;
  return { nodeId: s.nodeId, total: ids.length, offset, groups: page, next: end < ids.length ? end : null };
}

import { NONE, Role, type SoftState } from '../core/index.js';
import type { RaftGroup } from './group.js';
import { toNodeId } from './ids.js';
import type { RaftHostStats } from './stats.js';
import type { LeaderChangeListener } from './types.js';

export interface LeadershipContext {
  stats: RaftHostStats;
  listeners: ReadonlySet<LeaderChangeListener>;
  tick: number;
  lostProposalTicks: number;
}

/**
 * Records a soft-state change: counts it, arms the deadline of a deposed leader's unsettled
 * proposals, settles leadership transfers and tells the listeners (the metadata layer).
 */
export function onSoftState(g: RaftGroup, soft: SoftState, ctx: LeadershipContext): void {
  const wasLeader = g.role === Role.LEADER;
  const leaderChanged = soft.leaderId !== g.leader || soft.term !== g.term;
  if ((soft.role === Role.CANDIDATE || soft.role === Role.PRE_CANDIDATE) && g.role !== soft.role) ctx.stats.elections++;
  g.role = soft.role;
  g.term = soft.term;
  g.leader = soft.leaderId;
  if (wasLeader && soft.role !== Role.LEADER && g.proposals.size > 0) {
    // Unsettled proposals may still commit under the next leader; if the group has not settled
    // them within this bound they fail as ambiguous, so no caller waits forever.
    g.lostDeadlineTick = ctx.tick + ctx.lostProposalTicks;
  }
  if (leaderChanged) ctx.stats.leaderChanges++;
  settleTransfers(g);
  const leader = toNodeId(soft.leaderId);
  const isLocal = soft.role === Role.LEADER;
  for (const l of ctx.listeners) l(g.id, soft.term, leader, isLocal);
}

function settleTransfers(g: RaftGroup): void {
  if (g.transfers.length === 0 || g.leader === NONE) return;
  const leader = toNodeId(g.leader);
  g.transfers = g.transfers.filter((t) => {
    if (t.to !== leader) return true;
    clearTimeout(t.timer);
    t.d.resolve();
    return false;
  });
}

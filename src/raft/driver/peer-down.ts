import type { Logger } from 'pino';
import type { RaftGroup } from './group.js';
import { toRaftId } from './ids.js';

export interface PeerDownContext {
  groups: ReadonlyMap<string, RaftGroup>;
  logger: Logger;
  markDirty(g: RaftGroup): void;
}

/**
 * The transport lost a connection with `peer` (EOF or reset on the one we dialed or the one it
 * dialed: a SIGKILLed process's sockets close at once). Every group here that `peer` leads forgets it and elects a successor within a
 * few ticks instead of an election timeout; groups led from here stop pipelining to it, and wake
 * if quiesced (the connection state is their only failure detector while quiet). The core
 * makes a wrong report harmless (pre-vote; see RawNode.peerDown). Rare, so one pass over every
 * group is fine even with thousands of them.
 */
export function onPeerDown(ctx: PeerDownContext, peer: number): void {
  const raftId = toRaftId(peer);
  let forgot = 0;
  for (const g of ctx.groups.values()) {
    if (g.failed !== undefined || g.removed) continue;
    const wasQuiesced = g.node.quiesced;
    const forgotLeader = g.node.peerDown(raftId);
    if (forgotLeader) forgot++;
    // A quiesced leader wakes on any peer's loss (check-quorum must judge again): tick it.
    if (forgotLeader || (wasQuiesced && !g.node.quiesced)) ctx.markDirty(g);
  }
  if (forgot > 0) ctx.logger.info({ peer, groups: forgot }, 'lost the connection to the leader of some groups: electing successors');
}

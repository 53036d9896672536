import type { ChronikNode } from '../node/node.js';
import { RaftTimeoutError } from '../raft/driver/index.js';
import { ErrorCode } from '../util/errors.js';
import { EmbeddedClusterError } from './errors.js';

/**
 * Raft abandons a transfer the target has not completed within an election timeout (the target may
 * still be catching up, or was not listening yet); the host's promise then only times out. So each
 * attempt is bounded by about two election timeouts and retried, up to the caller's deadline.
 */
export async function transferWithRetries(live: readonly ChronikNode[], groupId: string, toNode: number, deadline: number, attemptMs: number): Promise<void> {
  for (let attempt = 1; attempt <= MAX_TRANSFER_ATTEMPTS; attempt++) {
    const leader = live.find((n) => n.raft.has(groupId) && n.raft.status(groupId).leader === n.config.nodeId);
    if (leader === undefined) throw new EmbeddedClusterError(`${groupId} has no running leader`, { code: ErrorCode.LEADER_NOT_AVAILABLE });
    const remaining = deadline - Date.now();
    try {
      await leader.raft.transferLeadership(groupId, toNode, Math.max(1, Math.min(attemptMs, remaining)));
      return;
    } catch (err) {
      if (!(err instanceof RaftTimeoutError) || Date.now() >= deadline || attempt === MAX_TRANSFER_ATTEMPTS) throw err;
    }
  }
}

const MAX_TRANSFER_ATTEMPTS = 20;

export function attemptTimeoutMs(node: ChronikNode): number {
  return 2 * node.config.raftTickMs * node.config.raftElectionTicks;
}

import type { PartitionReplica } from '../partition/replica.js';

/**
 * Deletes a replica's log prefix before `beforeIndex`, capped at what this replica has applied:
 * an entry not yet committed here might still be replaced, so it never goes. Returns the log's
 * first index afterwards. Only moves forward: a smaller boundary is a no-op.
 */
export async function trimPrefix(replica: PartitionReplica, beforeIndex: number): Promise<number> {
  const wal = replica.wal;
  const cap = Math.min(beforeIndex, replica.appliedEntryIndex + 1, wal.lastIndex + 1);
  if (cap > wal.firstIndex) await wal.deletePrefix(cap);
  return wal.firstIndex;
}

/** The body of the leader's `retention.trim` call to a follower, checked: it comes off the network. */
export interface TrimRequest {
  readonly groupId: string;
  readonly beforeIndex: number;
}

export function parseTrimRequest(body: unknown): TrimRequest | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { groupId, beforeIndex } = body as Record<string, unknown>;
  if (typeof groupId !== 'string' || typeof beforeIndex !== 'number' || !Number.isSafeInteger(beforeIndex) || beforeIndex < 1) return undefined;
  return { groupId, beforeIndex };
}

/**
 * Chronik node ids start at 0, Raft ids are positive (0 means "none" in the core). This is the only
 * place that maps between them.
 */
export function toRaftId(nodeId: number): number {
  return nodeId + 1;
}

/** The Chronik node id of a Raft id; undefined for the core's "none" (0). */
export function toNodeId(raftId: number): number | undefined {
  return raftId === 0 ? undefined : raftId - 1;
}

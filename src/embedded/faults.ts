import type { NodeTransport } from '../raft/transport/index.js';
import { EmbeddedClusterError } from './errors.js';

/** Every frame lost: a cut link. */
const CUT = { dropProbability: 1 } as const;

/**
 * The set of cut node pairs of a network partition. Kept by the cluster so that a node restarted
 * while partitioned comes back on the same side of the cut.
 */
export class NetworkPartition {
  private readonly cut = new Set<string>();

  /** Cuts every link between nodes of different sides (both directions). Nodes not named are untouched. */
  constructor(sides: readonly (readonly number[])[], nodeIds: readonly number[]) {
    const seen = new Set<number>();
    for (const side of sides) {
      for (const id of side) {
        if (!nodeIds.includes(id)) throw new EmbeddedClusterError(`partition: no node ${id}`);
        if (seen.has(id)) throw new EmbeddedClusterError(`partition: node ${id} is on two sides`);
        seen.add(id);
      }
    }
    sides.forEach((a, i) => sides.slice(i + 1).forEach((b) => a.forEach((x) => b.forEach((y) => this.cut.add(pairKey(x, y))))));
  }

  /** Peers of `nodeId` on the other side of the cut. */
  cutPeersOf(nodeId: number, nodeIds: readonly number[]): number[] {
    return nodeIds.filter((peer) => peer !== nodeId && this.cut.has(pairKey(nodeId, peer)));
  }

  /** Applies this node's side of the cut to its transport (drops in both directions). */
  applyTo(nodeId: number, transport: NodeTransport, nodeIds: readonly number[]): void {
    for (const peer of this.cutPeersOf(nodeId, nodeIds)) {
      transport.setLinkFault(peer, CUT, 'out');
      transport.setLinkFault(peer, CUT, 'in');
    }
  }
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

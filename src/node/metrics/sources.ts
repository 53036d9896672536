import type { RaftHost } from '../../raft/driver/index.js';
import type { NodeTransport } from '../../raft/transport/index.js';
import type { MetadataImage } from '../../state/index.js';
import type { PartitionReplica } from '../partition/replica.js';

/** What the exporter reads on each scrape; all of it already exists on the node. */
export interface MetricSources {
  readonly nodeId: number;
  readonly raft: RaftHost;
  readonly transport: NodeTransport;
  readonly metaGroup: string;
  readonly image: () => MetadataImage;
  readonly replicas: () => Iterable<PartitionReplica>;
  readonly groupStats: () => { groups: number; members: number; byState: Record<string, number> };
}

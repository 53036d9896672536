import type { RaftHost } from '../../raft/driver/index.js';
import type { NodeTransport } from '../../raft/transport/index.js';
import type { MetadataImage } from '../../state/index.js';
import type { LagCoordinator } from './group-lag.js';
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
  /** The group coordinator, for consumer lag (read-only calls). */
  readonly groupCoordinator: LagCoordinator;
  /** The local replica's high watermark of a partition, undefined when it is not hosted here. */
  readonly highWatermark: (topic: string, partition: number) => number | undefined;
  /** The internal topic whose partitions the `offsets` WAL class covers. */
  readonly offsetsTopic: string;
  /** The `__meta` group's WAL log, once open (sizes only). */
  readonly metaLog: () => { readonly sizeBytes: number; segments(): readonly unknown[] } | undefined;
}

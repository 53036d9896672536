import type { RaftHost } from '../../raft/driver/index.js';
import type { MetadataImage } from '../../state/index.js';
import type { NodeMetrics } from '../metrics/index.js';
import type { PartitionReplica } from '../partition/replica.js';

/** What the admin endpoints read from the node. */
export interface AdminSources {
  readonly nodeId: number;
  readonly metaGroup: string;
  readonly metrics: NodeMetrics;
  readonly raft: RaftHost;
  readonly image: () => MetadataImage;
  readonly metaLeader: () => number | undefined;
  /** After it resolves this node has applied everything committed in `__meta` before the call. */
  readonly metaBarrier: (timeoutMs: number) => Promise<void>;
  /** Resolves once `predicate` holds for the applied image (event-driven), rejects at the bound. */
  readonly waitForImage: (predicate: (image: MetadataImage) => boolean, timeoutMs: number) => Promise<void>;
  readonly replicas: () => Iterable<PartitionReplica>;
  readonly liveBrokers: () => ReadonlySet<number>;
  /** False once a graceful stop has begun: the node is draining, not ready for new work. */
  readonly accepting: () => boolean;
}

import type { BrokerConfig } from '../../config/index.js';
import type { GroupCoordinator } from '../groups/index.js';
import type { CommandOutcome } from '../../node/meta-service.js';
import type { PartitionReplica } from '../../node/partition/replica.js';
import type { ReadBufferPool } from '../../node/partition/read-buffers.js';
import type { MetadataImage, MetaCommand } from '../../state/index.js';
import type { Logger } from '../../util/logger.js';

/**
 * What the Kafka API handlers need from the node they run on. Handlers are thin: they translate
 * version-free requests into calls on this interface and results into responses.
 */
export interface BrokerContext {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly logger: Logger;
  /** The local metadata image (immutable; O(1) lookups). */
  image(): MetadataImage;
  /** Brokers reachable from here now, this one included. */
  liveBrokers(): ReadonlySet<number>;
  metaLeader(): number | undefined;
  /** 0 while a `__meta` leader is known here, else milliseconds since this node lost it. */
  metaLeaderlessMs(): number;
  /** Applies everything the `__meta` leader had committed when the call was made (ReadIndex). */
  metaBarrier(timeoutMs: number): Promise<void>;
  /** Event-driven: resolves once every partition of the topics has a leader in the local image. */
  waitForLeaders(topics: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<unknown>;
  /** Runs a metadata command on the `__meta` leader and waits until it is applied locally. */
  executeMeta(command: MetaCommand, timeoutMs: number): Promise<CommandOutcome>;
  /** This node's replica of a partition, if it hosts one. */
  replica(topic: string, partition: number): PartitionReplica | undefined;
  /** The number of a partition's replicas reachable now (min.insync.replicas). */
  reachableReplicas(replicas: readonly number[]): number;
  /** This node's group coordinator (it serves the groups of the offsets partitions it leads). */
  readonly groups: GroupCoordinator;
  /** The broker coordinating a group; creates `__consumer_offsets` on first use. */
  findGroupCoordinator(groupId: string, timeoutMs: number): Promise<number>;
  /** A fresh producer id from a consensus-allocated block. */
  allocateProducerId(): Promise<number>;
  /** Recycled buffers for Fetch reads from the segments; fresh ones are used without it. */
  readonly readBuffers?: ReadBufferPool;
  /** Metrics hook: one call per record batch produce appends (bytes, records); O(1), never logs. */
  readonly onBatchAppended?: (batchBytes: number, records: number) => void;
}

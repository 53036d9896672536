import { EmbeddedCluster } from './cluster.js';
import type { StartChronikOptions } from './options.js';

/**
 * Starts a Chronik cluster inside this process for tests (or for embedding): `await
 * startChronik()` is one node on an ephemeral port with data in a temp dir; `{ nodes: 3 }` is a
 * real 3-node Raft cluster over loopback TCP. Point any Kafka client at `cluster.brokers`; call
 * `cluster.stop()` when done.
 */
export function startChronik(options: StartChronikOptions = {}): Promise<EmbeddedCluster> {
  return EmbeddedCluster.start(options);
}

export { EmbeddedCluster, type ResetOptions, type ResetResult, type WaitForOptions } from './cluster.js';
export { EmbeddedClusterError } from './errors.js';
export type { ClusterEvent, ClusterEventValue, ClusterPredicate } from './events.js';
export { TEST_DEFAULTS, MAX_NODES, type StartChronikOptions, type StorageMode } from './options.js';
export type { StoredRecord } from './records.js';
export type { CreatedTopic, CreateTopicOptions } from './topics.js';

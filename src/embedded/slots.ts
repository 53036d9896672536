import { randomUUID } from 'node:crypto';
import type { RawSettings } from '../config/index.js';
import type { Logger } from '../util/logger.js';
import { NodeSlot, type NodeAddresses } from './node-slot.js';
import type { ResolvedOptions } from './options.js';
import type { ClusterStorage } from './storage.js';

const HOST = '127.0.0.1';

/** One slot per node: fixed addresses, its storage, and its settings (derived, never user-set). */
export function buildSlots(options: ResolvedOptions, storage: ClusterStorage, raftPorts: readonly number[], logger: Logger): NodeSlot[] {
  const peers = raftPorts.map((port, id) => `${id}@${HOST}:${port}`).join(',');
  const clusterId = options.settings['cluster.id'] ?? `chronik-embedded-${randomUUID().slice(0, 8)}`;
  return storage.nodes.map((nodeStorage, id) => {
    const addresses: NodeAddresses = { id, kafkaPort: options.port === 0 ? 0 : options.port + id, raftPort: raftPorts[id] as number };
    const settings = (a: NodeAddresses): RawSettings => nodeSettings(options, a, peers, clusterId, nodeStorage.dataDir);
    return new NodeSlot(addresses, nodeStorage, settings, logger.child({ nodeId: id }));
  });
}

function nodeSettings(options: ResolvedOptions, a: NodeAddresses, peers: string, clusterId: string, dataDir: string): RawSettings {
  return {
    ...options.settings,
    'cluster.id': clusterId,
    'node.id': String(a.id),
    'kafka.listen': `${HOST}:${a.kafkaPort}`,
    'raft.listen': `${HOST}:${a.raftPort}`,
    // An ephemeral admin port: a fixed Kafka port + 1000 could collide with anything on the machine.
    'admin.listen': `${HOST}:0`,
    'raft.peers': peers,
    'data.dir': dataDir,
    'log.level': options.logLevel,
  };
}

import type { BrokerConfig } from '../../config/index.js';
import type { KafkaServer } from '../../kafka/server/index.js';
import type { RaftHost } from '../../raft/driver/index.js';
import type { MetadataImage } from '../../state/index.js';
import type { NodeTransport } from '../../raft/transport/index.js';
import type { Logger } from '../../util/logger.js';
import type { WalLog, WalStore } from '../../wal/index.js';
import { OFFSETS_TOPIC, type GroupService } from '../group-service.js';
import { META_GROUP, type MetaService } from '../meta-service.js';
import type { MetricSources, NodeMetrics } from '../metrics/index.js';
import type { PartitionManager } from '../partition/manager.js';
import { handOffLeadership, type HandOffReport } from '../shutdown/index.js';
import { createFaultsRoute } from './faults.js';
import { startAdminServer, type AdminServer } from './server.js';
import type { AdminSources } from './sources.js';

/** The node's parts the operating surface (metrics, admin endpoints, hand-off) reads. */
export interface NodeParts {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  readonly raft: RaftHost;
  readonly transport: NodeTransport;
  readonly wal: WalStore;
  readonly meta: MetaService;
  readonly partitions: PartitionManager;
  readonly groups: GroupService;
  readonly liveBrokers: () => ReadonlySet<number>;
  readonly accepting: () => boolean;
}

export function metricSources(p: NodeParts, metaLog?: WalLog): MetricSources {
  return {
    nodeId: p.config.nodeId,
    raft: p.raft,
    transport: p.transport,
    metaGroup: META_GROUP,
    image: () => p.meta.image,
    replicas: () => p.partitions.all(),
    groupStats: () => p.groups.coordinator.stats(),
    groupCoordinator: p.groups.coordinator,
    highWatermark: (topic, partition) => p.partitions.replica(topic, partition)?.highWatermark,
    offsetsTopic: OFFSETS_TOPIC,
    metaLog: () => metaLog,
  };
}

export function adminSources(p: NodeParts): AdminSources {
  return {
    nodeId: p.config.nodeId,
    metaGroup: META_GROUP,
    metrics: p.metrics,
    raft: p.raft,
    image: () => p.meta.image,
    metaLeader: () => p.meta.leader(),
    metaBarrier: (timeoutMs) => p.meta.readBarrier(timeoutMs),
    waitForImage: async (predicate, timeoutMs) => {
      await p.meta.state.waiters.waitFor((image): true | undefined => (predicate(image) ? true : undefined), { timeoutMs, what: 'admin wait' });
    },
    replicas: () => p.partitions.all(),
    liveBrokers: p.liveBrokers,
    accepting: p.accepting,
  };
}

/** Binds the metrics collectors and starts the admin HTTP listener on `admin.listen`. */
export async function startNodeAdmin(p: NodeParts): Promise<AdminServer> {
  // The Raft host opened `__meta`'s log when the meta service started; the store hands out that same
  // open instance, which the exporter reads sizes from.
  const metaLog = await p.wal.openLog(META_GROUP).catch(() => undefined);
  p.metrics.attach(metricSources(p, metaLog));
  const base = { host: p.config.adminListen.host, port: p.config.adminListen.port, logger: p.logger, sources: adminSources(p) };
  if (!p.config.adminFaultsEnable) return startAdminServer(base);
  p.logger.warn({ module: 'admin' }, 'fault injection enabled on the admin listener (admin.faults.enable)');
  return startAdminServer({ ...base, faults: createFaultsRoute({ transport: p.transport, logger: p.logger }) });
}

/**
 * Graceful-stop bounds, which together stay within `chronik start`'s 30 s stop bound: a transfer
 * normally completes in a few heartbeats; 16 at once keeps the burst small; the partitions'
 * hand-off stops starting transfers after 12 s; the announcement wait and `__meta`'s transfer take
 * 5 s each at most; then the Kafka connections get 5 s to answer what they have admitted.
 */
const TRANSFER_TIMEOUT_MS = 5_000;
const HAND_OFF_TIMEOUT_MS = 12_000;
const TRANSFER_CONCURRENCY = 16;
const DRAIN_TIMEOUT_MS = 5_000;

/**
 * Graceful stop up to the Kafka listener's close: stop accepting connections (open ones keep being
 * served, so clients learn of the new leaders through NOT_LEADER answers), hand leadership off,
 * stop the group coordinator (its parked JoinGroups answer now instead of holding the drain), then
 * drain: every request already admitted is answered and written, and each connection is closed.
 */
export async function drainNode(p: NodeParts, kafka: Pick<KafkaServer, 'stopAccepting' | 'drain'>): Promise<void> {
  kafka.stopAccepting();
  await handOffNode(p);
  p.groups.close();
  await kafka.drain(DRAIN_TIMEOUT_MS);
}

/** Graceful stop, step one: move leadership of everything this node leads to live followers. */
export function handOffNode(p: NodeParts): Promise<HandOffReport> {
  const self = p.config.nodeId;
  return handOffLeadership({
    nodeId: self,
    raft: p.raft,
    metaGroup: META_GROUP,
    image: () => p.meta.image,
    replicas: () => p.partitions.all(),
    liveBrokers: p.liveBrokers,
    logger: p.logger,
    timeoutMs: TRANSFER_TIMEOUT_MS,
    totalTimeoutMs: HAND_OFF_TIMEOUT_MS,
    concurrency: TRANSFER_CONCURRENCY,
    awaitAnnounced: async (groups, timeoutMs) => {
      const stillMine = (image: MetadataImage): boolean => {
        for (const r of p.partitions.all()) {
          if (!groups.has(r.opts.groupId)) continue;
          if (image.topicsById.get(r.opts.topicId)?.partitions[r.opts.partition]?.leader === self) return true;
        }
        return false;
      };
      await p.meta.state.waiters.waitFor((image): true | undefined => (stillMine(image) ? undefined : true), { timeoutMs, what: 'new partition leaders announced' });
    },
  });
}

import { Gauge, Registry } from 'prom-client';
import type { KafkaServerMetrics } from '../../kafka/server/index.js';
import { registerClusterMetrics } from './cluster-metrics.js';
import { registerEventLoopMetrics } from './event-loop-metrics.js';
import { registerGroupLagMetrics } from './group-metrics.js';
import { HotHistogram } from './hot-histogram.js';
import { kafkaServerMetrics } from './kafka-metrics.js';
import { registerPartitionMetrics } from './partition-metrics.js';
import { registerProduceMetrics, type BatchObserver } from './produce-metrics.js';
import { registerRaftMetrics } from './raft-metrics.js';
import type { MetricSources } from './sources.js';
import type { FsyncObserver } from './timed-file-io.js';

const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * One node's metrics: its own prom-client Registry (never the global default one, so two nodes in
 * one process keep separate series). Push-style hooks exist only where something happens per event
 * (Kafka requests, fsyncs, produced batches, Raft commits); everything else is read from the node's components at scrape time.
 */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly kafka: KafkaServerMetrics;
  readonly observeFsync: FsyncObserver;
  /** Produce's hook (BrokerContext.onBatchAppended): one histogram observation per appended batch. */
  readonly observeBatch: BatchObserver;
  private attached = false;

  constructor(nodeId: number) {
    this.registry.setDefaultLabels({ node_id: String(nodeId) });
    this.kafka = kafkaServerMetrics(this.registry);
    const fsync = new HotHistogram({ name: 'chronik_wal_fsync_duration_seconds', help: 'Latency of WAL data syncs (fdatasync).', buckets: FSYNC_BUCKETS, registers: [this.registry] }).series();
    this.observeFsync = (seconds) => fsync.observe(seconds);
    this.observeBatch = registerProduceMetrics(this.registry);
    registerEventLoopMetrics(this.registry);
    const started = performance.now();
    new Gauge({
      name: 'chronik_process_uptime_seconds',
      help: 'Seconds since this node started.',
      registers: [this.registry],
      collect(this: Gauge) {
        this.set((performance.now() - started) / 1000);
      },
    });
    new Gauge({
      name: 'chronik_process_resident_memory_bytes',
      help: 'Resident set size of the process (shared by nodes embedded in one process).',
      registers: [this.registry],
      collect(this: Gauge) {
        this.set(process.memoryUsage.rss());
      },
    });
  }

  /** Binds the pull-side collectors once the node's components exist. */
  attach(sources: MetricSources): void {
    if (this.attached) return;
    this.attached = true;
    registerRaftMetrics(this.registry, sources);
    registerPartitionMetrics(this.registry, sources);
    registerClusterMetrics(this.registry, sources);
    registerGroupLagMetrics(this.registry, sources);
  }

  /** Prometheus text exposition of every metric of this node. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

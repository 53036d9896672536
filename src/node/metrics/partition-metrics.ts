import { Gauge, type Registry } from 'prom-client';
import type { MetadataImage, PartitionImage } from '../../state/index.js';
import type { PartitionReplica } from '../partition/replica.js';
import type { MetricSources } from './sources.js';

/**
 * Per-partition series are emitted for at most this many partitions led here (the lowest topic
 * and partition numbers first, so the set is stable between scrapes); beyond it only the aggregates
 * are exported. This keeps a node with thousands of partitions from flooding Prometheus.
 */
export const MAX_PARTITION_SERIES = 100;

/** Which logs a WAL figure covers: bounded by construction (three values). */
export type WalLogClass = 'meta' | 'offsets' | 'partitions';

interface WalUsage {
  bytes: number;
  segments: number;
}

interface PartitionView {
  readonly led: number;
  readonly hosted: number;
  readonly underReplicated: number;
  readonly hwSum: number;
  readonly wal: Readonly<Record<WalLogClass, WalUsage>>;
  readonly series: { topic: string; partition: number; hw: number }[];
}

function partitionImage(image: MetadataImage, r: PartitionReplica): PartitionImage | undefined {
  return image.topicsById.get(r.opts.topicId)?.partitions[r.opts.partition];
}

/** One pass over the local replicas; read once per scrape and shared by all gauges of the scrape. */
export function readPartitions(s: MetricSources): PartitionView {
  const image = s.image();
  let led = 0;
  let hosted = 0;
  let underReplicated = 0;
  let hwSum = 0;
  const wal = { meta: logUsage(s.metaLog()), offsets: { bytes: 0, segments: 0 }, partitions: { bytes: 0, segments: 0 } };
  const series: PartitionView['series'] = [];
  for (const r of s.replicas()) {
    hosted++;
    const usage = r.opts.topic === s.offsetsTopic ? wal.offsets : wal.partitions;
    usage.bytes += r.wal.sizeBytes;
    usage.segments += r.wal.segments().length;
    if (r.serving === undefined) continue;
    led++;
    hwSum += r.highWatermark;
    const p = partitionImage(image, r);
    if (p !== undefined && p.isr.length < p.replicas.length) underReplicated++;
    series.push({ topic: r.opts.topic, partition: r.opts.partition, hw: r.highWatermark });
  }
  series.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  series.length = Math.min(series.length, MAX_PARTITION_SERIES);
  return { led, hosted, underReplicated, hwSum, wal, series };
}

function logUsage(log: { readonly sizeBytes: number; segments(): readonly unknown[] } | undefined): WalUsage {
  return log === undefined ? { bytes: 0, segments: 0 } : { bytes: log.sizeBytes, segments: log.segments().length };
}

export function registerPartitionMetrics(registry: Registry, s: MetricSources): void {
  // The gauges of one scrape share one pass over the replicas (memoised for 50 ms).
  let cached: { at: number; view: PartitionView } | undefined;
  const view = (): PartitionView => {
    const now = performance.now();
    if (cached === undefined || now - cached.at > 50) cached = { at: now, view: readPartitions(s) };
    return cached.view;
  };
  const gauge = (name: string, help: string, read: (v: PartitionView) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.set(read(view()));
      },
    });
  };
  gauge('chronik_partitions_led', 'Partitions this node leads and serves.', (v) => v.led);
  gauge('chronik_partitions_hosted', 'Partition replicas hosted on this node.', (v) => v.hosted);
  gauge('chronik_partitions_under_replicated', 'Partitions led here whose ISR is smaller than their replica set.', (v) => v.underReplicated);
  gauge('chronik_partition_high_watermark_sum', 'Sum of the high watermarks of the partitions led here.', (v) => v.hwSum);
  const walGauge = (name: string, help: string, read: (u: WalUsage) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['log'],
      registers: [registry],
      collect(this: Gauge<'log'>) {
        for (const [log, usage] of Object.entries(view().wal)) this.set({ log }, read(usage));
      },
    });
  };
  walGauge('chronik_wal_bytes', 'Bytes of WAL segments on this node, by log class (meta: __meta; offsets: __consumer_offsets; partitions: every other topic).', (u) => u.bytes);
  walGauge('chronik_wal_segments', 'WAL segment files on this node, by log class (meta, offsets, partitions).', (u) => u.segments);
  new Gauge({
    name: 'chronik_partition_high_watermark',
    help: `High watermark per partition led here (at most ${MAX_PARTITION_SERIES} partitions; see the _sum for all).`,
    labelNames: ['topic', 'partition'],
    registers: [registry],
    collect(this: Gauge<'topic' | 'partition'>) {
      this.reset();
      for (const p of view().series) this.set({ topic: p.topic, partition: String(p.partition) }, p.hw);
    },
  });
}

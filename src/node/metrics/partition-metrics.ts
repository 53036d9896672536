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

interface PartitionView {
  readonly led: number;
  readonly hosted: number;
  readonly underReplicated: number;
  readonly hwSum: number;
  readonly walBytes: number;
  readonly walSegments: number;
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
  let walBytes = 0;
  let walSegments = 0;
  const series: PartitionView['series'] = [];
  for (const r of s.replicas()) {
    hosted++;
    walBytes += r.wal.sizeBytes;
    walSegments += r.wal.segments().length;
    if (r.serving === undefined) continue;
    led++;
    hwSum += r.highWatermark;
    const p = partitionImage(image, r);
    if (p !== undefined && p.isr.length < p.replicas.length) underReplicated++;
    series.push({ topic: r.opts.topic, partition: r.opts.partition, hw: r.highWatermark });
  }
  series.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  series.length = Math.min(series.length, MAX_PARTITION_SERIES);
  return { led, hosted, underReplicated, hwSum, walBytes, walSegments, series };
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
  gauge('chronik_wal_bytes', 'Bytes of partition log segments on this node.', (v) => v.walBytes);
  gauge('chronik_wal_segments', 'Partition log segments on this node.', (v) => v.walSegments);
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

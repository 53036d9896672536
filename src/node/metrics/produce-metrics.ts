import type { Registry } from 'prom-client';
import { HotHistogram } from './hot-histogram.js';

/** Record-batch sizes from a few hundred bytes (one small record) to the 1 MiB default max and beyond. */
const BATCH_BYTES_BUCKETS = [128, 512, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];
const BATCH_RECORDS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 5_000, 10_000];

/** Called once per record batch produce appends to a partition leader's log. */
export type BatchObserver = (batchBytes: number, records: number) => void;

/**
 * Produce batch-size histograms. Unlabelled (beyond node_id): batch sizes per topic would make the
 * series count grow with the topic count, and the distribution is what capacity planning needs.
 */
export function registerProduceMetrics(registry: Registry): BatchObserver {
  const bytes = new HotHistogram({
    name: 'chronik_produce_batch_size_bytes',
    help: 'Bytes of each record batch appended by produce on this node (as leader).',
    buckets: BATCH_BYTES_BUCKETS,
    registers: [registry],
  });
  const records = new HotHistogram({
    name: 'chronik_produce_batch_records',
    help: 'Records in each record batch appended by produce on this node (as leader).',
    buckets: BATCH_RECORDS_BUCKETS,
    registers: [registry],
  });
  const bytesSeries = bytes.series();
  const recordsSeries = records.series();
  return (batchBytes, count) => {
    bytesSeries.observe(batchBytes);
    recordsSeries.observe(count);
  };
}

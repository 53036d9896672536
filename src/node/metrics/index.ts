export { NodeMetrics } from './node-metrics.js';
export { TimedFileIO, type FsyncObserver } from './timed-file-io.js';
export { MAX_PARTITION_SERIES } from './partition-metrics.js';
export type { MetricSources } from './sources.js';
export type { BatchObserver } from './produce-metrics.js';
export { readGroupLag, MAX_LAG_GROUPS, MAX_LAG_OFFSETS, type GroupLagReading, type LagCoordinator } from './group-lag.js';

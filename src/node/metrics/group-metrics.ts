import { Gauge, type Registry } from 'prom-client';
import { MAX_LAG_GROUPS, readGroupLag, type GroupLagReading } from './group-lag.js';
import type { MetricSources } from './sources.js';

/** The gauges of one scrape share one lag computation: readings younger than this are reused. */
const SHARE_MS = 50;
/** A failed reading (the coordinator stopping under a scrape) exports nothing rather than failing /metrics. */
const NO_READING: GroupLagReading = { groups: [], unknownPartitions: 0, omittedGroups: 0 };

/** Consumer-group lag per group (bounded to MAX_LAG_GROUPS series), computed at scrape time. */
export function registerGroupLagMetrics(registry: Registry, s: MetricSources): void {
  let cached: { at: number; reading: Promise<GroupLagReading> } | undefined;
  const read = (): Promise<GroupLagReading> => {
    const now = performance.now();
    if (cached === undefined || now - cached.at > SHARE_MS) cached = { at: now, reading: readGroupLag(s.groupCoordinator, s.highWatermark).catch(() => NO_READING) };
    return cached.reading;
  };
  new Gauge({
    name: 'chronik_consumer_group_lag',
    help: `Records a consumer group is behind (high watermark - committed offset, summed over its partitions), for the groups coordinated here; at most ${MAX_LAG_GROUPS} groups, largest lag first.`,
    labelNames: ['group'],
    registers: [registry],
    async collect(this: Gauge<'group'>) {
      const reading = await read();
      // Groups deleted or moved to another coordinator since the last scrape must disappear.
      this.reset();
      for (const g of reading.groups) this.set({ group: g.group }, g.lag);
    },
  });
  new Gauge({
    name: 'chronik_consumer_group_lag_unknown_partitions',
    help: 'Committed partitions of the groups coordinated here whose high watermark is unknown on this node (no local replica): not in chronik_consumer_group_lag.',
    registers: [registry],
    async collect(this: Gauge) {
      this.set((await read()).unknownPartitions);
    },
  });
  new Gauge({
    name: 'chronik_consumer_group_lag_omitted_groups',
    help: 'Groups coordinated here without a chronik_consumer_group_lag series (beyond the series or scrape budget).',
    registers: [registry],
    async collect(this: Gauge) {
      this.set((await read()).omittedGroups);
    },
  });
}

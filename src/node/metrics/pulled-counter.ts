import { Counter, type Registry } from 'prom-client';

type Labels<L extends string> = Partial<Record<L, string | number>>;

/** One reading of a monotonically increasing source: labels and the current total. */
export interface PulledReading<L extends string> {
  readonly labels: Labels<L>;
  readonly value: number;
}

/**
 * A Prometheus counter that mirrors totals another module already keeps (Raft host stats, transport
 * stats). It is read on scrape, so the hot path does no extra work; the counter is advanced by the
 * difference since the last scrape, and a source that went backwards (a restarted component) is
 * taken as a new baseline rather than a negative increment.
 */
export function pulledCounter<L extends string>(
  registry: Registry,
  spec: { name: string; help: string; labelNames?: readonly L[] },
  read: () => Iterable<PulledReading<L>>,
): Counter<L> {
  const last = new Map<string, number>();
  return new Counter<L>({
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames ?? [],
    registers: [registry],
    collect(this: Counter<L>) {
      for (const { labels, value } of read()) {
        const key = JSON.stringify(labels);
        const delta = value - (last.get(key) ?? 0);
        last.set(key, value);
        if (delta > 0) this.inc(labels, delta);
      }
    },
  });
}

import { Histogram, type Registry } from 'prom-client';
import { assert } from '../../util/assert.js';

type Labels<L extends string> = Partial<Record<L, string | number>>;
type Exported<L extends string> = Awaited<ReturnType<Histogram<L>['get']>>;

/**
 * prom-client's typings declare a metric's `type` as a numeric enum; at run time, and in the text it
 * writes, it is the string.
 */
const HISTOGRAM_TYPE = 'histogram' as unknown as Exported<string>['type'];

/** Bound on distinct label sets of one histogram (they come from small enums: API names). */
const MAX_SERIES = 1024;

/**
 * One label set's buckets. `observe` is a few compares and three additions: no allocation, no
 * label hashing. prom-client's own observe converts and validates the labels, hashes them into a
 * string and looks its bucket up by the bound's string form on every call; at one or two
 * observations per Kafka request and per Raft commit that was ~2.5 % of a broker's CPU under
 * e2e-3n (docs/bench.md, session 9).
 */
export class HotSeries {
  /** Per-bucket counts (not cumulative); observations above the last bound count only in `count`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: Float64Array,
    readonly labels: Readonly<Record<string, string | number>>,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/**
 * A prom-client Histogram whose observations land in HotSeries and are turned into the exposition
 * format only when scraped. Same name, help, buckets and output as a plain Histogram (the registry
 * adds its default labels); hot paths take a series once (`series(labels)`) and observe on it.
 */
export class HotHistogram<L extends string = string> extends Histogram<L> {
  private readonly metricName: string;
  private readonly metricHelp: string;
  private readonly bounds: Float64Array;
  private readonly byKey = new Map<string, HotSeries>();

  constructor(cfg: { name: string; help: string; buckets: readonly number[]; labelNames?: readonly L[]; registers: Registry[] }) {
    super({ name: cfg.name, help: cfg.help, buckets: [...cfg.buckets], labelNames: cfg.labelNames ?? [], registers: cfg.registers });
    for (let i = 1; i < cfg.buckets.length; i++) assert((cfg.buckets[i - 1] as number) < (cfg.buckets[i] as number), `${cfg.name}: buckets must increase`);
    // prom-client's constructor installs `observe` on the instance, which would shadow the override.
    Reflect.deleteProperty(this, 'observe');
    this.metricName = cfg.name;
    this.metricHelp = cfg.help;
    this.bounds = Float64Array.from(cfg.buckets);
  }

  /** The series of one label set, made on first use (cache it: this hashes the labels). */
  series(labels: Labels<L> = {}): HotSeries {
    const key = JSON.stringify(labels);
    let s = this.byKey.get(key);
    if (s === undefined) {
      assert(this.byKey.size < MAX_SERIES, `${this.metricName}: more than ${MAX_SERIES} label sets`);
      s = new HotSeries(this.bounds, { ...labels } as Record<string, string | number>);
      this.byKey.set(key, s);
    }
    return s;
  }

  override observe(labelsOrValue: Labels<L> | number | { value: number; labels?: Labels<L> }, value?: number): void {
    if (typeof labelsOrValue === 'number') this.series().observe(labelsOrValue);
    else if (value !== undefined) this.series(labelsOrValue as Labels<L>).observe(value);
    else {
      const d = labelsOrValue as { value: number; labels?: Labels<L> };
      this.series(d.labels ?? {}).observe(d.value);
    }
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    if ((this.byKey as Map<string, HotSeries> | undefined) !== undefined) this.byKey.clear();
  }

  override async get(): Promise<Exported<L>> {
    return this.export(false);
  }

  /**
   * What the registry's text output reads (prom-client prefers it to get()): the series' labels
   * apart as `sharedLabels`, so `le` comes first in each line, exactly as prom-client writes it.
   */
  async getForPromString(): Promise<Exported<L>> {
    return this.export(true);
  }

  private export(shared: boolean): Exported<L> {
    const name = this.metricName;
    const values: Exported<L>['values'] = [];
    const line = (own: Record<string, string | number>, s: HotSeries, value: number, metricName: string): void => {
      // `le` is not one of the histogram's label names: the typings have no room for it.
      const labels = (shared ? own : { ...own, ...s.labels }) as Labels<L>;
      const v = { labels, value, metricName, sharedLabels: shared ? s.labels : {} };
      values.push(v);
    };
    for (const s of this.byKey.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i] as number;
        line({ le: this.bounds[i] as number }, s, acc, `${name}_bucket`);
      }
      line({ le: '+Inf' }, s, s.count, `${name}_bucket`);
      line({}, s, s.sum, `${name}_sum`);
      line({}, s, s.count, `${name}_count`);
    }
    return { name, help: this.metricHelp, type: HISTOGRAM_TYPE, aggregator: 'sum', collect: noCollect, values };
  }
}

/** The typings want a collect function on exported data; a HotHistogram has nothing to collect. */
function noCollect(): void {
  // Observations are already in the series.
}

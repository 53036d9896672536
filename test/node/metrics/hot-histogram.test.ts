import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotHistogram } from '../../../src/node/metrics/hot-histogram.js';

/**
 * A HotHistogram must be indistinguishable from prom-client's Histogram in what a scrape returns:
 * the same observations give the same text (buckets, +Inf, _sum, _count, default labels) and the
 * same JSON.
 */
const BUCKETS = [0.001, 0.01, 0.1, 1];
/** On bounds, between them, above the last, zero and negative: every branch of the bucket search. */
const VALUES = [0, -1, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.5, 1, 1.0001, 7, 30];

function pair(labelNames: string[]): { plain: Registry; hot: Registry; a: Histogram; b: HotHistogram } {
  const plain = new Registry();
  const hot = new Registry();
  for (const r of [plain, hot]) r.setDefaultLabels({ node_id: '3' });
  const spec = { name: 'chronik_test_seconds', help: 'A test histogram.', buckets: BUCKETS, labelNames };
  return { plain, hot, a: new Histogram({ ...spec, registers: [plain] }), b: new HotHistogram({ ...spec, registers: [hot] }) };
}

describe('HotHistogram', () => {
  it('scrapes like a prom-client Histogram: unlabelled', async () => {
    const { plain, hot, a, b } = pair([]);
    const series = b.series();
    for (const v of VALUES) {
      a.observe(v);
      series.observe(v);
    }
    expect(await hot.metrics()).toBe(await plain.metrics());
  });

  it('scrapes like a prom-client Histogram: labelled, through series and through observe', async () => {
    const { plain, hot, a, b } = pair(['api']);
    const produce = b.series({ api: 'Produce' });
    for (const v of VALUES) {
      a.observe({ api: 'Produce' }, v);
      produce.observe(v);
      a.observe({ api: 'Fetch' }, v * 2);
      b.observe({ api: 'Fetch' }, v * 2);
    }
    expect(await hot.metrics()).toBe(await plain.metrics());
    expect(b.series({ api: 'Produce' })).toBe(produce);
  });

  it('an unlabelled histogram with no observations scrapes as zeros, as prom-client does', async () => {
    const { plain, hot, b } = pair([]);
    b.series();
    expect(await hot.metrics()).toBe(await plain.metrics());
  });

  it('reset forgets every series', async () => {
    const { hot, b } = pair(['api']);
    b.series({ api: 'Produce' }).observe(0.5);
    b.reset();
    expect(await hot.metrics()).not.toContain('chronik_test_seconds_count');
  });
});

/** Topic create -> first acked produce (kafkajs admin + producer), repeated over fresh topics. */
import type { BenchCluster } from './cluster.js';
import { BenchError } from './errors.js';
import { kafkaClient, withAdmin, withProducer } from './kafka.js';
import { measured } from './measure.js';
import { round3, summarise } from './stats.js';
import type { ScenarioResult } from './types.js';

export function topicCreateToProduce(
  cluster: BenchCluster,
  o: { name: string; title: string; topics: number; partitions: number; replicationFactor: number; prefix: string },
): Promise<ScenarioResult> {
  const params = { topics: o.topics, partitions: o.partitions, replicationFactor: o.replicationFactor };
  const kafka = kafkaClient(cluster.brokers, 'chronik-bench-create', 50);
  return measured(cluster, { name: o.name, title: o.title, client: 'kafkajs', params }, () =>
    withAdmin(kafka, (admin) => withProducer(kafka, async (producer) => {
      const total: number[] = [];
      const createOnly: number[] = [];
      const value = Buffer.alloc(1024, 0x62);
      const start = performance.now();
      for (let i = 0; i < o.topics; i++) {
        const topic = `${o.prefix}-${i}`;
        const t0 = performance.now();
        const created = await admin.createTopics({ topics: [{ topic, numPartitions: o.partitions, replicationFactor: o.replicationFactor }], waitForLeaders: false, timeout: 30_000 });
        if (!created) throw new BenchError(`topic ${topic} already existed`);
        createOnly.push(performance.now() - t0);
        await producer.send({ topic, acks: -1, messages: [{ value }] });
        total.push(performance.now() - t0);
      }
      const seconds = (performance.now() - start) / 1000;
      return {
        client: 'kafkajs', params, messages: o.topics, bytes: o.topics * 1024, seconds: round3(seconds), msgsPerSec: 0, mbPerSec: 0,
        latency: summarise(total),
        latencyOverTime: total.map((l, i) => ({ tMs: i, count: 1, p50Ms: round3(l), p99Ms: round3(l) })),
        extra: { createTopicsOnly: summarise(createOnly), overTimeAxis: 'topic number' },
      };
    })));
}

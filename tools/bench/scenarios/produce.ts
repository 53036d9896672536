/**
 * Produce throughput with real clients: librdkafka (confluent-kafka, throughput settings a user
 * would pick) and kafkajs (in this process, a window of concurrent batched sends).
 */
import type { BenchCluster } from './cluster.js';
import { BenchError } from './errors.js';
import { kafkaClient, withProducer } from './kafka.js';
import { measured } from './measure.js';
import { runPythonClient } from './python.js';
import { rates, round3, summarise } from './stats.js';
import type { LatencyBucket, LatencyPercentiles, ScenarioResult } from './types.js';

export interface ProduceOptions {
  name: string;
  title: string;
  topic: string;
  messageBytes: number;
  durationS: number;
  acks: 'all' | 1 | 0;
  lingerMs: number;
}

interface ProducerOutput {
  sent: number;
  acked: number;
  errors: number;
  firstError: string | null;
  unflushed: number;
  seconds: number;
  sendSeconds: number;
  latency: LatencyPercentiles;
  overTime: LatencyBucket[];
}

export function produceLibrdkafka(cluster: BenchCluster, o: ProduceOptions): Promise<ScenarioResult> {
  const params = { topic: o.topic, messageBytes: o.messageBytes, durationS: o.durationS, acks: String(o.acks), lingerMs: o.lingerMs, batchBytes: 1_000_000, batchMessages: 10_000 };
  return measured(cluster, { name: o.name, title: o.title, client: 'librdkafka', params }, async () => {
    const out = await runPythonClient<ProducerOutput>('producer.py', {
      bootstrap: cluster.bootstrap, topic: o.topic, messageBytes: o.messageBytes, durationS: o.durationS,
      maxMessages: 50_000_000, rate: 0, acks: o.acks, lingerMs: o.lingerMs, batchBytes: params.batchBytes, batchMessages: params.batchMessages,
    }, (o.durationS + 120) * 1000);
    if (out.acked === 0) throw new BenchError(`no message acked (${out.errors} errors, first: ${out.firstError ?? 'none'})`);
    const bytes = out.acked * o.messageBytes;
    return {
      client: 'librdkafka', params, messages: out.acked, bytes, seconds: round3(out.seconds), ...rates(out.acked, bytes, out.seconds),
      latency: out.latency, latencyOverTime: out.overTime,
      extra: { sent: out.sent, errors: out.errors, firstError: out.firstError, unflushed: out.unflushed },
    };
  });
}

export interface KafkajsProduceOptions {
  name: string;
  title: string;
  topic: string;
  messageBytes: number;
  durationS: number;
  batchMessages: number;
  window: number;
}

/** kafkajs: `window` concurrent sends of `batchMessages` each, acks=all; latency per send. */
export function produceKafkajs(cluster: BenchCluster, o: KafkajsProduceOptions): Promise<ScenarioResult> {
  const params = { topic: o.topic, messageBytes: o.messageBytes, durationS: o.durationS, acks: 'all', batchMessages: o.batchMessages, window: o.window };
  return measured(cluster, { name: o.name, title: o.title, client: 'kafkajs', params }, () =>
    withProducer(kafkaClient(cluster.brokers, 'chronik-bench-kafkajs'), async (producer) => {
      const value = Buffer.alloc(o.messageBytes, 0x61);
      const messages = Array.from({ length: o.batchMessages }, () => ({ value }));
      await producer.send({ topic: o.topic, acks: -1, messages: [{ value }] });
      const start = performance.now();
      const deadline = start + o.durationS * 1000;
      const lats: number[] = [];
      const overTime: Array<{ t: number; l: number }> = [];
      let acked = 0;
      const lane = async (): Promise<void> => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          await producer.send({ topic: o.topic, acks: -1, messages });
          const l = performance.now() - t0;
          if (lats.length < 1_000_000) {
            lats.push(l);
            overTime.push({ t: t0 - start, l });
          }
          acked += o.batchMessages;
        }
      };
      await Promise.all(Array.from({ length: o.window }, lane));
      const seconds = (performance.now() - start) / 1000;
      const bytes = acked * o.messageBytes;
      return {
        client: 'kafkajs', params, messages: acked, bytes, seconds: round3(seconds), ...rates(acked, bytes, seconds),
        latency: summarise(lats), latencyOverTime: bucketise(overTime, 1000),
        extra: { latencyIsPer: `send of ${o.batchMessages} messages` },
      };
    }));
}

export function bucketise(points: ReadonlyArray<{ t: number; l: number }>, widthMs: number): LatencyBucket[] {
  const by = new Map<number, number[]>();
  for (const p of points) {
    const k = Math.floor(p.t / widthMs);
    const list = by.get(k) ?? [];
    list.push(p.l);
    by.set(k, list);
  }
  return [...by.keys()].sort((a, b) => a - b).map((k) => {
    const s = summarise(by.get(k) ?? []);
    return { tMs: k * widthMs, count: s.samples, p50Ms: s.p50Ms, p99Ms: s.p99Ms };
  });
}

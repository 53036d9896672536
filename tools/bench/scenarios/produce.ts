/**
 * Produce throughput with real clients: librdkafka (a C producer, or confluent-kafka where it
 * cannot be built; throughput settings a user would pick) and kafkajs (in this process, a window of
 * concurrent batched sends).
 */
import { dirname } from 'node:path';
import type { BenchCluster } from './cluster.js';
import type { LoadGenerator } from './cproducer.js';
import { BenchError } from './errors.js';
import { kafkaClient, withAdmin, withProducer } from './kafka.js';
import { measured } from './measure.js';
import { runJsonProcess, runPythonClient } from './python.js';
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

/** What the producer clients print (producer.py and producer.c share these fields). */
interface ProducerOutput {
  sent: number;
  acked: number;
  errors: number;
  firstError: string | null;
  unflushed: number;
  seconds: number;
  sendSeconds: number;
  /** Time the producer waited for room in its full local queue (the broker was behind it). */
  blockedSeconds?: number;
  /** CPU time of the producer process over the window (all its threads). */
  cpuSeconds?: number;
  latency: LatencyPercentiles;
  overTime: LatencyBucket[];
  /** The C producer only: its librdkafka clients (each with its own connection and thread). */
  instances?: number;
  librdkafka?: string;
}

/**
 * Client settings a user would pick for throughput. The local queue bound (20k x 1 KiB = 20 MB in
 * total) keeps the pipeline full without making the reported latency mostly client-side queueing.
 */
const LIBRDKAFKA = { batchBytes: 1_000_000, batchMessages: 10_000, queueMessages: 20_000 };
/** librdkafka clients in the C producer: one keeps up with the broker here (see docs/bench.md). */
const C_INSTANCES = 1;

function runProducer(cluster: BenchCluster, o: ProduceOptions, generator: LoadGenerator): Promise<ProducerOutput> {
  const timeoutMs = (o.durationS + 120) * 1000;
  const settings = { bootstrap: cluster.bootstrap, topic: o.topic, messageBytes: o.messageBytes, durationS: o.durationS, acks: o.acks, lingerMs: o.lingerMs, ...LIBRDKAFKA };
  if (generator.kind === 'python') return runPythonClient<ProducerOutput>('producer.py', { ...settings, maxMessages: 50_000_000, rate: 0 }, timeoutMs);
  // librdkafka's own partitioner (sticky for keyless messages), as the Python producer uses.
  const argv = Object.entries({ ...settings, instances: C_INSTANCES }).map(([k, v]) => `${k}=${String(v)}`);
  return runJsonProcess<ProducerOutput>(generator.binary, argv, dirname(generator.binary), 'producer.c', timeoutMs);
}

/**
 * Is the client the bottleneck? Its CPU in % of one core, and the share of its sending time spent
 * waiting for the broker to drain its full local queue (near 100%: the broker is the limit).
 */
function clientLoad(out: ProducerOutput): Record<string, number> {
  if (out.cpuSeconds === undefined || out.blockedSeconds === undefined || !(out.seconds > 0) || !(out.sendSeconds > 0)) return {};
  return { clientCpuPercent: round3((out.cpuSeconds / out.seconds) * 100), clientBlockedPercent: round3((out.blockedSeconds / out.sendSeconds) * 100) };
}

/** Sum of the partitions' high watermarks: what the log holds as committed. */
async function committedMessages(cluster: BenchCluster, topic: string): Promise<number> {
  const offsets = await withAdmin(kafkaClient(cluster.brokers, 'chronik-bench-offsets'), (admin) => admin.fetchTopicOffsets(topic));
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/**
 * librdkafka at full speed: the C producer when it could be built, else the Python one. Throughput
 * counts acknowledged messages (successful delivery reports). At acks=0 a delivery report only
 * means "written to the socket", so there it is capped by what the log committed in the run.
 */
export function produceLibrdkafka(cluster: BenchCluster, o: ProduceOptions, generator: LoadGenerator): Promise<ScenarioResult> {
  const client = generator.kind === 'c' ? 'librdkafka (C)' : 'librdkafka (Python)';
  const params = { topic: o.topic, messageBytes: o.messageBytes, durationS: o.durationS, acks: String(o.acks), lingerMs: o.lingerMs, ...LIBRDKAFKA, generator: generator.kind };
  return measured(cluster, { name: o.name, title: o.title, client, params }, async () => {
    const before = await committedMessages(cluster, o.topic);
    const out = await runProducer(cluster, o, generator);
    const logMessages = (await committedMessages(cluster, o.topic)) - before;
    if (out.acked === 0) throw new BenchError(`no message acked (${out.errors} errors, first: ${out.firstError ?? 'none'})`);
    // The log also holds the warm-up message(s), which are not counted as acked.
    if (o.acks === 'all' && logMessages < out.acked) throw new BenchError(`${out.acked} messages acked at acks=all, but the log committed only ${logMessages}`);
    const messages = o.acks === 0 ? Math.min(out.acked, logMessages) : out.acked;
    const bytes = messages * o.messageBytes;
    return {
      client, params, messages, bytes, seconds: round3(out.seconds), ...rates(messages, bytes, out.seconds),
      latency: out.latency, latencyOverTime: out.overTime,
      extra: {
        sent: out.sent, deliveryReports: out.acked, errors: out.errors, firstError: out.firstError, unflushed: out.unflushed, logMessages, ...clientLoad(out),
        ...(out.instances === undefined ? {} : { instances: out.instances, librdkafka: out.librdkafka }),
        ...(generator.kind === 'python' ? { generatorFallback: generator.reason } : {}),
      },
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

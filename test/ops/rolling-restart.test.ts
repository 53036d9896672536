import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcatConsumeAll } from '../helpers/clients.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { adminPort, httpGet, sigterm } from './helpers.js';

/**
 * A rolling restart under acks=all load: each node in turn gets SIGTERM (graceful: it stops
 * accepting, hands its leaderships to in-sync followers, answers the requests in flight on its
 * connections, then exits 0 within the bound), restarts, and is back in every
 * ISR before the next one goes. Idempotent kafkajs and librdkafka producers with retries run
 * throughout: no send may fail, and every acknowledged message must be consumed back exactly once.
 */
let cluster: ProcessCluster;
const TOPIC = 'rolling';
const STOP_BOUND_MS = 20_000;
const PARTITIONS = 3;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 3 });
  const admin = new Kafka({ brokers: cluster.brokers, clientId: 'rolling', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
  await admin.disconnect();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

interface LibrdkafkaResult {
  readonly acked: string[];
  readonly failed: string[];
  readonly unflushed: number;
}

/** librdkafka's idempotent producer (Python confluent-kafka), sending across partitions until stopped. */
function startLibrdkafkaLoad(): { stop: () => Promise<LibrdkafkaResult> } {
  const child = spawn('/usr/bin/python3', [resolve(import.meta.dirname, 'idempotent_producer.py'), cluster.brokers.join(','), TOPIC], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  return {
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`librdkafka producer exited ${code}: ${stderr}`);
      return JSON.parse(stdout) as LibrdkafkaResult;
    },
  };
}

/** Produces batches back to back until stopped; counts acknowledged values and failed sends. */
class Load {
  readonly acked: string[] = [];
  failures: unknown[] = [];
  private stopped = false;
  private waiters: { count: number; resolve: () => void }[] = [];
  readonly done: Promise<void>;

  constructor(private readonly producer: Producer) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    for (let batch = 0; !this.stopped && batch < 100_000; batch++) {
      const values = Array.from({ length: 20 }, (_, j) => `r-${batch}-${j}`);
      // One partition per send, round-robin. kafkajs 2.2.4 loses records of sends that span several
      // partitions when a leader moves mid-send: its retry (producer/sendMessages.js) re-sends only to
      // brokers that have not answered yet, so a partition whose new leader already answered for
      // other partitions is never re-sent, yet send() resolves. The broker never saw those records.
      // librdkafka's idempotent producer, multi-partition, runs alongside and must lose nothing.
      const partition = batch % PARTITIONS;
      try {
        await this.producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ partition, value })) });
        this.acked.push(...values);
        this.waiters = this.waiters.filter((w) => (this.acked.length >= w.count ? (w.resolve(), false) : true));
      } catch (err) {
        this.failures.push(err);
      }
    }
  }

  /** Resolves once `more` further messages are acknowledged (event-driven), rejects at the bound. */
  progress(more: number, timeoutMs: number): Promise<void> {
    const count = this.acked.length + more;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load made no progress to ${count} within ${timeoutMs} ms (at ${this.acked.length})`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

describe('rolling restart', () => {
  let load: Load | undefined;
  let librdkafka: LibrdkafkaResult | undefined;
  let consumed: string[] = [];

  it('SIGTERM each node in turn under acks=all load: clean exits within the bound, leadership handed off, back in every ISR, no failed send', async () => {
    const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'rolling-producer', logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 1_000 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const running = new Load(producer);
    load = running;
    const other = startLibrdkafkaLoad();
    await running.progress(200, 30_000);

    for (const id of [0, 1, 2]) {
      const { code, elapsedMs } = await sigterm(cluster, id, STOP_BOUND_MS);
      expect(code).toBe(0);
      expect(elapsedMs).toBeLessThan(STOP_BOUND_MS);
      const handOff = cluster.nodes[id]?.lines.find((l) => l.msg === 'leadership hand-off done');
      expect(handOff).toMatchObject({ failed: 0 });
      // The producers' connections were drained: every request admitted before the drain answered.
      const drained = cluster.nodes[id]?.lines.find((l) => l.msg === 'kafka listener drained');
      expect(drained).toMatchObject({ forced: 0 });
      expect(drained?.connections).toBeGreaterThan(0);
      await cluster.restart(id, 45_000).catch((err: unknown) => {
        throw new Error(`node ${id} did not restart: ${String(err)}; its last output: ${JSON.stringify(cluster.nodes[id]?.lines.slice(-15))}`);
      });
      // Ready for the next node: serving, and back in the ISR of every partition it hosts.
      expect(await httpGet(adminPort(cluster, id), '/readyz?timeoutMs=30000&inSync=1', 35_000)).toMatchObject({ status: 200, body: 'ok\n' });
      await running.progress(200, 30_000);
    }

    await running.stop();
    await producer.disconnect();
    librdkafka = await other.stop();
    expect(running.failures).toEqual([]);
    expect({ failed: librdkafka.failed, unflushed: librdkafka.unflushed }).toEqual({ failed: [], unflushed: 0 });
    expect(librdkafka.acked.length).toBeGreaterThan(1000);
    expect(running.acked.length).toBeGreaterThanOrEqual(800);
    consumed = (await kcatConsumeAll(cluster.broker(0), TOPIC)).map((r) => r.value);
    expect(consumed.length).toBeGreaterThan(0);
  }, 150_000);

  it('every acknowledged message (kafkajs and librdkafka) is consumed back exactly once', () => {
    const counts = new Map<string, number>();
    for (const v of consumed) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(consumed.length, 'the rolling restart above did not complete').toBeGreaterThan(0);
    const acked = [...(load?.acked ?? []), ...(librdkafka?.acked ?? [])];
    expect(acked.length).toBeGreaterThan(0);
    const lost = acked.filter((v) => !counts.has(v));
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
    expect({ lost, duplicated }).toEqual({ lost: [], duplicated: [] });
  });
});

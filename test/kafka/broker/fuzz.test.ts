import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, ApiVersionsRequestCodec } from '../../../src/kafka/protocol/index.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { requestFrame } from '../server/harness.js';
import { RawClient } from '../server/raw-client.js';
import { fuzzFrame, prng, targets } from './fuzz-frames.js';

/**
 * Bad input against a full node (real process, real handlers, real WAL): random, truncated,
 * corrupted and oversized frames, and valid headers with garbage bodies for Produce, Fetch,
 * Metadata and CreateTopics. Meanwhile a kafkajs producer on its own connection keeps producing;
 * afterwards the node still serves and the data stored before the fuzzing reads back identical.
 */
const SEED = Number(process.env['CHRONIK_FUZZ_SEED'] ?? 0x5eed_b0b);
const CONNECTIONS = 2_200;
const FRAMES_PER_CONNECTION = 5;
const PARALLEL = 40;
const MAX_REQUEST_BYTES = 1024 * 1024;
const SENTINEL = -777;

let cluster: ProcessCluster;
let kafka: Kafka;

beforeAll(async () => {
  cluster = await ProcessCluster.start({
    nodes: 1,
    // No auto-creation (a mutated Metadata must not create topics) and short server-side waits.
    extraArgs: ['--set', 'auto.create.topics.enable=false', '--set', 'request.timeout.max.ms=1000', '--set', `socket.request.max.bytes=${MAX_REQUEST_BYTES}`, '--set', 'wal.fsync=false'],
  });
  kafka = new Kafka({ brokers: cluster.brokers, clientId: 'fuzz-test', logLevel: logLevel.NOTHING });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function fuzzConnection(port: number, rand: () => number, apis: ReturnType<typeof targets>): Promise<void> {
  const frames: Buffer[] = [];
  for (let i = 0; i < FRAMES_PER_CONNECTION; i++) frames.push(fuzzFrame(rand, apis, i === FRAMES_PER_CONNECTION - 1, MAX_REQUEST_BYTES));
  const c = await RawClient.connect(port);
  const bytes = Buffer.concat(frames);
  if (rand() < 0.05) {
    c.send(bytes.subarray(0, Math.floor(rand() * bytes.length))); // a client that dies mid-frame
    c.destroy();
    return;
  }
  c.send(bytes);
  c.send(requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 0, SENTINEL, ApiVersionsRequestCodec.defaults()));
  await c.until(() => c.closed || c.frames.some((f) => f.readInt32BE(0) === SENTINEL), 10_000, 'close or sentinel response');
  c.destroy();
}

/** Random binary records, so that "identical" means every byte of key and value. */
function preciousRecords(rand: () => number, n: number): { key: Buffer; value: Buffer }[] {
  return Array.from({ length: n }, (_, i) => {
    const value = Buffer.alloc(1 + Math.floor(rand() * 2000));
    for (let j = 0; j < value.length; j++) value[j] = Math.floor(rand() * 256);
    return { key: Buffer.from(`p-${i}`), value };
  });
}

async function readAll(topic: string, count: number): Promise<Map<string, Buffer>> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${got.size}/${count} of ${topic} within 30 s`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        got.set(message.key?.toString() ?? '', message.value ?? Buffer.alloc(0));
        if (got.size >= count) (clearTimeout(timer), resolve());
      },
    });
  });
  await consumer.disconnect();
  return got;
}

describe('fuzz against a full node', () => {
  it(`survives ${CONNECTIONS * FRAMES_PER_CONNECTION} bad frames while a kafkajs producer keeps working; stored data stays byte-identical`, async () => {
    console.log(`broker fuzz seed ${SEED}`);
    const rand = prng(SEED);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'precious', numPartitions: 3 }, { topic: 'during', numPartitions: 2 }, { topic: 'fuzz-target', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const precious = preciousRecords(rand, 600);
    for (let i = 0; i < precious.length; i += 100) await producer.send({ topic: 'precious', acks: -1, messages: precious.slice(i, i + 100) });

    const port = cluster.nodes[0]?.kafkaPort as number;
    const apis = targets('fuzz-target');
    let fuzzing = true;
    let acked = 0;
    const background = (async () => {
      while (fuzzing) {
        await producer.send({ topic: 'during', acks: -1, messages: [{ key: `d-${acked}`, value: `during-${acked}` }] });
        acked++;
      }
    })();
    const started = Date.now();
    for (let i = 0; i < CONNECTIONS; i += PARALLEL) {
      const batch: Promise<void>[] = [];
      for (let j = 0; j < PARALLEL; j++) batch.push(fuzzConnection(port, prng(Math.floor(rand() * 2 ** 32)), apis));
      await Promise.all(batch);
    }
    fuzzing = false;
    await background;
    console.log(`broker fuzz: ${CONNECTIONS * FRAMES_PER_CONNECTION} frames in ${Date.now() - started} ms; ${acked} kafkajs sends acknowledged meanwhile`);
    expect(acked).toBeGreaterThan(10);
    await producer.disconnect();

    const fresh = await RawClient.connect(port);
    fresh.send(requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 3, 1, ApiVersionsRequestCodec.defaults()));
    await fresh.waitFrames(1);
    expect((fresh.frames[0] as Buffer).readInt32BE(0)).toBe(1);
    fresh.destroy();

    const stored = await readAll('precious', precious.length);
    expect(stored.size).toBe(precious.length);
    for (const r of precious) expect(stored.get(r.key.toString())?.equals(r.value), r.key.toString()).toBe(true);
    const during = await readAll('during', acked);
    expect(during.size).toBe(acked);
    // The valid Produce frames among the fuzz reached the partition: the fuzz exercised the handlers.
    const check = kafka.admin();
    await check.connect();
    const [target] = await check.fetchTopicOffsets('fuzz-target');
    await check.disconnect();
    expect(Number(target?.high)).toBeGreaterThan(100);
    expect(cluster.problems(0)).toEqual([]);
  }, 120_000);
});

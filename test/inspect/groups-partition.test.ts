/**
 * `chronik inspect groups` and `partition` against the data dir of a real node: kafkajs produces
 * and a kafkajs consumer group commits, the node is SIGKILLed, then the CLI (from dist/) must show
 * exactly what kafkajs committed and produced. Damage is injected into copies of the data dir.
 */
import { cp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { flipByte } from './corrupt.js';
import { hashTree, tempDir } from './fixture.js';
import { inspectProcess } from './io.js';

const TOPIC = 'inspect-orders';
const GROUP = 'inspect-readers';
const DELETED_GROUP = 'inspect-gone';
/** Batches as produced: partition 0 gets two sends (offsets 0-2, 3-4), partition 1 one (0-3). */
const SENDS: readonly { partition: number; values: string[] }[] = [
  { partition: 0, values: ['a0', 'a1', 'a2'] },
  { partition: 1, values: ['b0', 'b1', 'b2', 'b3'] },
  { partition: 0, values: ['a3', 'a4'] },
];
const TOTAL = SENDS.reduce((n, s) => n + s.values.length, 0);

let cluster: ProcessCluster;
let dataDir: string;
let scratch: string;
/** What admin.fetchOffsets said before the kill: partition → offset and metadata. */
let fetched: Map<number, { offset: number; metadata: string }>;

/** Runs a consumer in `groupId` until it has seen every produced message, then commits them. */
async function consumeAndCommit(kafka: Kafka, groupId: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const next = new Map<number, number>();
  let seen = 0;
  const all = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        next.set(partition, Number(message.offset) + 1);
        if (++seen === TOTAL) resolve();
      },
    });
  });
  await bounded(all, 30_000, `${groupId} did not receive ${TOTAL} messages`);
  await consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic: TOPIC, partition, offset: String(offset) })));
  return consumer;
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function populate(kafka: Kafka): Promise<Consumer> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (const s of SENDS) await producer.send({ topic: TOPIC, messages: s.values.map((value) => ({ value, partition: s.partition })) });
  await producer.disconnect();
  // A group that is then deleted: its tombstones must hide it from the replay.
  const gone = await consumeAndCommit(kafka, DELETED_GROUP);
  await gone.disconnect();
  await admin.deleteGroups([DELETED_GROUP]);
  const consumer = await consumeAndCommit(kafka, GROUP);
  const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  fetched = new Map((offsets?.partitions ?? []).map((p) => [p.partition, { offset: Number(p.offset), metadata: p.metadata ?? '' }]));
  await admin.disconnect();
  return consumer;
}

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 1, extraArgs: ['--set', 'group.initial.rebalance.delay.ms=0', '--set', 'offsets.topic.num.partitions=2'] });
  dataDir = cluster.nodes[0]?.dataDir as string;
  scratch = await tempDir();
  const kafka = new Kafka({ brokers: cluster.brokers, clientId: 'inspect-consumer', logLevel: logLevel.NOTHING });
  const consumer = await populate(kafka);
  // Killed while the consumer is still a member: the last group metadata record names it.
  await cluster.kill(0);
  await bounded(consumer.disconnect(), 20_000, 'consumer disconnect').catch(() => undefined);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** A copy of the node's data dir to damage, so every test sees the original intact. */
async function copyOfDataDir(name: string): Promise<string> {
  const copy = join(scratch, name);
  await cp(dataDir, copy, { recursive: true });
  return copy;
}

/** The segment of `logPrefix`'s log in `dir` (a single segment at these sizes); flips its middle byte. */
async function damageMiddleOf(dir: string, logPrefix: string): Promise<void> {
  const logs = (await readdir(join(dir, 'logs'))).filter((n) => n.startsWith(logPrefix));
  expect(logs).toHaveLength(1);
  const logDir = join(dir, 'logs', logs[0] as string);
  const segment = join(logDir, (await readdir(logDir)).filter((n) => n.endsWith('.log')).sort()[0] as string);
  await flipByte(segment, Math.floor((await stat(segment)).size / 2));
}

interface GroupsJson {
  offsetsTopic: { partitions: { partition: number; leader: number; replicas: number[]; here: boolean }[] } | null;
  partitions: { partition: number; problemCount: number; commitIndex: number | null }[];
  groups: {
    groupId: string;
    metadata: { generationId: number; protocolType: string; protocolName: string; members: { clientId: string; subscribedTopics: string[] }[] } | null;
    offsets: { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string; commitTimestampMs: number }[];
  }[];
}

interface PartitionLine {
  index?: number;
  committed?: boolean;
  batch?: { baseOffset: number; lastOffset: number; recordCount: number; partitionLeaderEpoch: number; firstTimestamp: number; producerId: number };
  records?: { offset: number; value: { text: string } }[];
  damage?: string;
  summary?: { highWatermark: number; logEndOffset: number; records: number; batches: number; damaged: number; commitIndex: number };
}

function ndjson(text: string): PartitionLine[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as PartitionLine);
}

describe('chronik inspect groups', () => {
  it('shows the offsets kafkajs committed, the live member, and not the deleted group', async () => {
    const r = await inspectProcess(['groups', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as GroupsJson;
    expect(out.partitions.map((p) => p.partition)).toEqual([0, 1]);
    expect(out.partitions.every((p) => p.problemCount === 0 && p.commitIndex !== null)).toBe(true);
    expect(out.offsetsTopic?.partitions.map((p) => [p.partition, p.leader, p.replicas, p.here])).toEqual([
      [0, 0, [0], true],
      [1, 0, [0], true],
    ]);
    expect(out.groups.map((g) => g.groupId)).toEqual([GROUP]);
    const group = out.groups[0];
    expect(group?.offsets.map((o) => [o.topic, o.partition, o.offset, o.metadata])).toEqual(
      [...fetched].sort(([a], [b]) => a - b).map(([partition, f]) => [TOPIC, partition, f.offset, f.metadata]),
    );
    expect(group?.offsets.map((o) => o.offset)).toEqual([5, 4]);
    expect(group?.offsets.every((o) => o.commitTimestampMs > 0)).toBe(true);
    expect(group?.metadata?.protocolType).toBe('consumer');
    expect(group?.metadata?.generationId).toBeGreaterThanOrEqual(1);
    expect(group?.metadata?.members.map((m) => [m.clientId, m.subscribedTopics])).toEqual([['inspect-consumer', [TOPIC]]]);

    const text = await inspectProcess(['groups', dataDir, '--group', GROUP]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`group ${GROUP}`);
    expect(text.stdout).toMatch(new RegExp(`${TOPIC}\\s+0\\s+5\\s`));
    expect(text.stdout).toMatch(new RegExp(`${TOPIC}\\s+1\\s+4\\s`));
    const none = await inspectProcess(['groups', dataDir, '--group', DELETED_GROUP, '--json']);
    expect((JSON.parse(none.stdout) as GroupsJson).groups).toEqual([]);
  });

  it('reports a damaged offsets partition with exit 1 and still prints the rest', async () => {
    const copy = await copyOfDataDir('groups-damaged');
    const clean = JSON.parse((await inspectProcess(['groups', copy, '--json'])).stdout) as GroupsJson;
    const busiest = [...clean.partitions].sort((a, b) => (b.commitIndex ?? 0) - (a.commitIndex ?? 0))[0]?.partition;
    await damageMiddleOf(copy, `p.__consumer_offsets-${busiest}.`);
    const r = await inspectProcess(['groups', copy, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as GroupsJson;
    expect(out.partitions.find((p) => p.partition === busiest)?.problemCount).toBeGreaterThan(0);
    expect(out.partitions.find((p) => p.partition !== busiest)?.problemCount).toBe(0);
    const text = await inspectProcess(['groups', copy]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`DAMAGE partition ${busiest} `));
  });

  it('names the offsets partitions whose logs are not in this dir, and where the image places them', async () => {
    const copy = await copyOfDataDir('groups-partial');
    const logs = (await readdir(join(copy, 'logs'))).filter((n) => n.startsWith('p.__consumer_offsets-1.'));
    expect(logs).toHaveLength(1);
    await rm(join(copy, 'logs', logs[0] as string), { recursive: true });
    const r = await inspectProcess(['groups', copy, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as GroupsJson;
    expect(out.partitions.map((p) => p.partition)).toEqual([0]);
    expect(out.offsetsTopic?.partitions.map((p) => p.here)).toEqual([true, false]);
    expect((await inspectProcess(['groups', copy])).stdout).toContain('not on this node (inspect a replica\'s dir for their groups): 1 on [0]');
    const part = await inspectProcess(['partition', copy, '__consumer_offsets', '1']);
    expect(part.code).toBe(2);
    expect(part.stderr).toContain('its replicas are on nodes [0] (leader 0)');
  });
});

describe('chronik inspect partition', () => {
  it('shows the produced batches with their offsets and the high watermark', async () => {
    const r = await inspectProcess(['partition', dataDir, TOPIC, '0', '--json', '--deep']);
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout);
    const batches = lines.filter((l) => l.batch !== undefined);
    expect(batches.map((b) => [b.batch?.baseOffset, b.batch?.lastOffset, b.batch?.recordCount])).toEqual([
      [0, 2, 3],
      [3, 4, 2],
    ]);
    expect(batches.every((b) => b.committed === true && (b.batch?.partitionLeaderEpoch ?? -1) >= 0)).toBe(true);
    expect(batches.flatMap((b) => b.records?.map((rec) => [rec.offset, rec.value.text]) ?? [])).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'].map((v, i) => [i, v]));
    expect(lines.at(-1)?.summary).toMatchObject({ highWatermark: 5, logEndOffset: 5, records: 5, batches: 2, damaged: 0 });

    const p1 = await inspectProcess(['partition', dataDir, TOPIC, '1']);
    expect(p1.code, p1.stderr).toBe(0);
    expect(p1.stdout).toMatch(/baseOffset=0 lastOffset=3 count=4 leaderEpoch=\d+ /);
    expect(p1.stdout).toContain('high watermark 4');

    const from = ndjson((await inspectProcess(['partition', dataDir, TOPIC, '0', '--from-offset', '3', '--json'])).stdout);
    expect(from.filter((l) => l.batch !== undefined).map((l) => l.batch?.baseOffset)).toEqual([3]);
  });

  it('changes nothing in the data dir', async () => {
    const before = await hashTree(dataDir);
    const partition = await inspectProcess(['partition', dataDir, TOPIC, '0', '--deep']);
    expect(partition.code, `${partition.stdout}\n${partition.stderr}`).toBe(0);
    const groups = await inspectProcess(['groups', dataDir]);
    expect(groups.code, `${groups.stdout}\n${groups.stderr}`).toBe(0);
    expect(await hashTree(dataDir)).toBe(before);
  });

  it('is a usage error for a topic this node has no log of, or a missing partition argument', async () => {
    const missing = await inspectProcess(['partition', dataDir, 'no-such-topic', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no log of no-such-topic-0 in this data dir: this node's metadata has no topic no-such-topic");
    const beyond = await inspectProcess(['partition', dataDir, TOPIC, '7']);
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toContain(`topic ${TOPIC} has 2 partitions`);
    expect((await inspectProcess(['partition', dataDir, TOPIC])).code).toBe(2);
  });

  it('reports damage in the middle of the log with exit 1 and still prints the intact batches', async () => {
    const copy = await copyOfDataDir('partition-damaged');
    await damageMiddleOf(copy, `p.${TOPIC}-0.`);
    const r = await inspectProcess(['partition', copy, TOPIC, '0', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const lines = ndjson(r.stdout);
    expect(lines.some((l) => l.damage !== undefined)).toBe(true);
    expect(lines.at(-1)?.summary?.damaged).toBeGreaterThan(0);
    // At least one of the two batches is outside the flipped byte and still shown intact.
    expect(lines.filter((l) => l.batch !== undefined).length).toBeGreaterThanOrEqual(1);
    const text = await inspectProcess(['partition', copy, TOPIC, '0']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/DAMAGE/);
  });
});

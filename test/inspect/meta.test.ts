import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ProcessCluster } from '../helpers/process-cluster.js';
import { run } from '../helpers/clients.js';

/** `chronik inspect meta` against the data directory of a real node (killed with SIGKILL first). */
let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 1 });
  const admin = new Kafka({ brokers: cluster.brokers, clientId: 'inspect-meta', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'inspected', numPartitions: 2 }] });
  await admin.disconnect();
  await cluster.kill(0);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('chronik inspect meta', () => {
  it('lists the committed events with index and term, LeaderElected among them, and the image they replay to', async () => {
    const dataDir = cluster.nodes[0]?.dataDir as string;
    const json = await run(process.execPath, [CLI, 'inspect', 'meta', dataDir, '--json'], { timeoutMs: 30_000 });
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as {
      records: { index: number; term: number; committed: boolean; event: { type: string; partition?: number } }[];
      image: { appliedIndex: number; topics: { name: string; partitions: { leader: number; leaderEpoch: number }[] }[] };
      digest: string;
    };
    const types = out.records.map((r) => r.event.type);
    expect(types).toContain('BrokerRegistered');
    expect(types).toContain('TopicCreated');
    expect(out.records.filter((r) => r.event.type === 'LeaderElected').map((r) => r.event.partition).sort()).toEqual([0, 1]);
    const indexes = out.records.map((r) => r.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(out.records.every((r) => r.term >= 1 && r.committed)).toBe(true);
    const topic = out.image.topics.find((t) => t.name === 'inspected');
    expect(topic?.partitions.map((p) => p.leader)).toEqual([0, 0]);
    expect(out.digest).toMatch(/^[0-9a-f]{64}$/);

    const text = await run(process.execPath, [CLI, 'inspect', 'meta', dataDir], { timeoutMs: 30_000 });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/LeaderElected/);
    expect(text.stdout).toContain(`digest ${out.digest}`);
  });

  it('is a usage error on something that is not a data directory', async () => {
    const result = await run(process.execPath, [CLI, 'inspect', 'meta', '/nonexistent-chronik-dir'], { timeoutMs: 30_000 });
    expect(result.code).not.toBe(0);
  });
});

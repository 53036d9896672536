import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/clients.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';

/**
 * Unmodified non-JavaScript clients against one real `chronik start` process: kcat (librdkafka)
 * metadata and group consumption, kafka-python (admin, default producer, auto-committing group)
 * and confluent-kafka (idempotent producer, group).
 */
const PYTHON = '/usr/bin/python3';
const CLIENTS = resolve(import.meta.dirname, '../../clients');

let cluster: ProcessCluster;
let kafka: Kafka;

beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 1, extraArgs: ['--set', 'group.initial.rebalance.delay.ms=0', '--set', 'offsets.topic.num.partitions=3'] });
  kafka = new Kafka({ brokers: cluster.brokers, clientId: 'clients-test', logLevel: logLevel.NOTHING });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function committedSum(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets[0]?.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) ?? 0;
  } finally {
    await admin.disconnect();
  }
}

interface KcatMetadata {
  brokers: { id: number; name: string }[];
  topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
}

describe('kcat', () => {
  it('-L -J lists brokers and topics with leaders; -G consumes everything as a group and commits', async () => {
    const broker = cluster.broker(0);
    const input = Array.from({ length: 300 }, (_, i) => `k${i % 10}:kc-${i}`).join('\n') + '\n';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kcat-g', numPartitions: 3 }] });
    await admin.disconnect();
    const produced = await run('kcat', ['-P', '-b', broker, '-t', 'kcat-g', '-K', ':', '-X', 'acks=all'], { input, timeoutMs: 30_000 });
    expect(produced.code, produced.stderr).toBe(0);

    const listed = await run('kcat', ['-L', '-J', '-b', broker, '-t', 'kcat-g'], { timeoutMs: 30_000 });
    expect(listed.code, listed.stderr).toBe(0);
    const metadata = JSON.parse(listed.stdout) as KcatMetadata;
    expect(metadata.brokers).toEqual([{ id: 0, name: broker }]);
    const topic = metadata.topics.find((t) => t.topic === 'kcat-g');
    expect(topic?.partitions.map((p) => [p.partition, p.leader, p.replicas.map((r) => r.id), p.isrs.map((r) => r.id)])).toEqual([
      [0, 0, [0], [0]],
      [1, 0, [0], [0]],
      [2, 0, [0], [0]],
    ]);

    const consumed = await run('kcat', ['-b', broker, '-G', 'kcat-group', 'kcat-g', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%p %o %s\\n'], { timeoutMs: 60_000 });
    expect(consumed.code, consumed.stderr).toBe(0);
    const values = consumed.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split(' ')[2]);
    expect(new Set(values).size).toBe(300);
    expect(values.length).toBe(300);
    expect(await committedSum('kcat-group', 'kcat-g')).toBe(300);
  }, 120_000);
});

describe('python clients', () => {
  it('kafka-python: admin creates, describes and alters configs, default producer, group with auto commit', async () => {
    const result = await run(PYTHON, [resolve(CLIENTS, 'python_group_admin.py'), cluster.broker(0), 'py-topic', '4', '2000', 'py-group'], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(out).toMatchObject({ acked: 2000, errors: [], consumed: 2000, unique: 2000, committed: 2000, altered: '7200000', broker_id: '0' });
    expect(out['configs']).toMatchObject({ 'retention.ms': '3600000', 'cleanup.policy': 'delete' });
  }, 150_000);

  it('confluent-kafka AdminClient: describe topic and broker configs, alter with validate_only then for real', async () => {
    const result = await run(PYTHON, [resolve(CLIENTS, 'confluent_admin_configs.py'), cluster.broker(0), 'ck-admin'], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(out).toMatchObject({ after_validate: '604800000', after_alter: '123456', errors: [] });
    expect(out['topic_before']).toMatchObject({ 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'max.message.bytes': '1048588' });
    expect(out['broker']).toEqual({ 'broker.id': '0', 'log.retention.ms': '604800000', 'num.partitions': '1' });
  }, 90_000);

  it('confluent-kafka: idempotent producer, group consumer reads every message once and in key order', async () => {
    const result = await run(PYTHON, [resolve(CLIENTS, 'confluent_idempotent_group.py'), cluster.broker(0), 'ck-topic', '5000', 'ck-group'], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(out).toMatchObject({ delivered: 5000, errors: [], consumed: 5000, unique: 5000, in_order: true });
    expect(await committedSum('ck-group', 'ck-topic')).toBe(5000);
  }, 150_000);
});

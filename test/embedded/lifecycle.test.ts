import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChronik } from '../../src/index.js';
import { freePorts } from '../helpers/ports.js';
import { collect, kafkaFor, produceSeries, trackHandles } from './helpers.js';

/** Storage modes, clusters side by side, restarts, and what stop() leaves behind. */
describe('embedded cluster lifecycle', () => {
  it("storage: 'memory' serves clients, keeps data across killNode/restartNode, and leaves no files", async () => {
    const cluster = await startChronik({ storage: 'memory' });
    const root = cluster.dataDir;
    try {
      await cluster.createTopic('mem', { partitions: 2 });
      const producer = kafkaFor(cluster.brokers, 'mem').producer();
      await producer.connect();
      await produceSeries(producer, 'mem', 'v', 0, 40);
      await producer.disconnect();
      // No segment or index files on disk: only the (empty or snapshot-only) root exists.
      expect(await listFilesDeep(root)).not.toContainEqual(expect.stringMatching(/\.log$|\.ldb$|LOCK/));
      const broker = cluster.brokers[0];
      await cluster.killNode(0);
      await cluster.restartNode(0);
      expect(cluster.brokers[0]).toBe(broker);
      expect((await cluster.records('mem')).length).toBe(40);
    } finally {
      await cluster.stop();
    }
    expect(existsSync(root)).toBe(false);
  }, 30_000);

  it('two clusters run side by side without seeing each other', async () => {
    const [a, b] = await Promise.all([startChronik(), startChronik({ storage: 'memory' })]);
    try {
      expect(a.brokers[0]).not.toBe(b.brokers[0]);
      await Promise.all([a.createTopic('shared-name'), b.createTopic('shared-name')]);
      const pa = kafkaFor(a.brokers, 'a').producer();
      const pb = kafkaFor(b.brokers, 'b').producer();
      await Promise.all([pa.connect(), pb.connect()]);
      await Promise.all([pa.send({ topic: 'shared-name', messages: [{ value: 'to-a' }] }), pb.send({ topic: 'shared-name', messages: [{ value: 'to-b' }] })]);
      await Promise.all([pa.disconnect(), pb.disconnect()]);
      expect((await a.records('shared-name')).map((r) => r.value?.toString())).toEqual(['to-a']);
      expect((await b.records('shared-name')).map((r) => r.value?.toString())).toEqual(['to-b']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 30_000);

  it('a fixed port is used, and kept by restartNode', async () => {
    const [port] = await freePorts(1);
    const cluster = await startChronik({ port: port as number });
    try {
      expect(cluster.brokers).toEqual([`127.0.0.1:${port}`]);
      await cluster.killNode(0);
      await cluster.restartNode(0);
      const admin = kafkaFor(cluster.brokers, 'fixed-port').admin();
      await admin.connect();
      expect((await admin.describeCluster()).brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port }]);
      await admin.disconnect();
    } finally {
      await cluster.stop();
    }
  }, 30_000);

  it('a given dataDir survives stop() and a new cluster on it recovers the data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chronik-embedded-test-'));
    try {
      const first = await startChronik({ dataDir });
      await first.createTopic('durable');
      const producer = kafkaFor(first.brokers, 'durable').producer();
      await producer.connect();
      await produceSeries(producer, 'durable', 'd', 0, 20);
      await producer.disconnect();
      await first.stop();
      expect(existsSync(join(dataDir, 'node-0'))).toBe(true);
      const second = await startChronik({ dataDir });
      try {
        await second.waitFor({ type: 'topic-ready', topic: 'durable' }, { timeoutMs: 10_000 });
        const consumer = kafkaFor(second.brokers, 'durable').consumer({ groupId: 'durable-reader' });
        await consumer.connect();
        await consumer.subscribe({ topic: 'durable', fromBeginning: true });
        expect(await collect(consumer, 20, 20_000)).toEqual(Array.from({ length: 20 }, (_, i) => `d-${i}`));
        await consumer.disconnect();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 40_000);

  it('stop() leaves no sockets, listeners, timers or file handles behind (3 nodes, clients used)', async () => {
    const handles = trackHandles();
    try {
      const cluster = await startChronik({ nodes: 3 });
      await cluster.createTopic('handles', { partitions: 2, replicationFactor: 3 });
      const kafka = kafkaFor(cluster.brokers, 'handles');
      const producer = kafka.producer();
      await producer.connect();
      await produceSeries(producer, 'handles', 'h', 0, 20);
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: 'handles-reader' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'handles', fromBeginning: true });
      await collect(consumer, 20, 20_000);
      await consumer.disconnect();
      await cluster.killNode(2);
      await cluster.stop();
      expect(await handles.leftover()).toEqual([]);
    } finally {
      handles.disable();
    }
  }, 40_000);
});

async function listFilesDeep(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { ChronikNode } from '../../../src/node/node.js';
import { ApiKey, type FetchResponse } from '../../../src/kafka/protocol/index.js';
import { buildRecordBatch, decodeBatch, splitBatches } from '../../../src/kafka/record-batch/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { ForwardingFileIO, NodeFileIO, type FileHandle } from '../../../src/wal/index.js';
import { kafkaRequest } from '../../helpers/kafka-request.js';
import { freePorts } from '../../helpers/ports.js';

/**
 * A consumer at the tail is answered from the leader's memory (the recent committed batches), not
 * by reading the WAL back: on a real node with its WAL on disk, the file layer counts the reads
 * while a long-polling Fetch is woken by a produce. A reader that falls behind the ring still gets
 * every record from disk.
 */
class CountingFileIO extends ForwardingFileIO {
  reads = 0;
  override read(fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
    this.reads++;
    return super.read(fd, into, position);
  }
  override readSync(fd: FileHandle, into: Uint8Array, position: number): number {
    this.reads++;
    return super.readSync(fd, into, position);
  }
}

const TOPIC = 'tail-fetch';
const TWO = 'tail-fetch-two';
const UNREAD = 'tail-fetch-unread';
let dir: string;
let node: ChronikNode;
let port: number;
const io = new CountingFileIO(new NodeFileIO());

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chronik-tail-fetch-'));
  // The node's Raft address must be known before it binds (it is its own peer): not port 0.
  const [raftPort] = await freePorts(1);
  const config = buildConfig({ overrides: { 'kafka.listen': '127.0.0.1:0', 'raft.listen': `127.0.0.1:${raftPort}`, 'data.dir': dir, 'log.level': 'silent' } });
  node = await ChronikNode.start({ config, logger: silentLogger(), fileIO: io });
  await node.ready(20_000);
  port = node.kafkaAddress.port;
  const topics = [
    { name: TOPIC, numPartitions: 1 },
    { name: TWO, numPartitions: 2 },
    { name: UNREAD, numPartitions: 1 },
  ].map((t) => ({ ...t, replicationFactor: 1, assignments: [], configs: [] }));
  const created = await kafkaRequest(port, ApiKey.CreateTopics, 7, { timeoutMs: 10_000, topics });
  expect(created.topics.map((t) => t.errorCode)).toEqual([0, 0, 0]);
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

function produce(values: Buffer[], topic = TOPIC, partition = 0): Promise<unknown> {
  const records = buildRecordBatch({ records: values.map((value) => ({ value })) });
  return kafkaRequest(port, ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
}

function fetch(fetchOffset: number, maxWaitMs: number, maxBytes: number, topic = TOPIC, offsets = [fetchOffset]): Promise<FetchResponse> {
  return kafkaRequest(port, ApiKey.Fetch, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes,
    topics: [{ topic, topicId: '', partitions: offsets.map((offset, partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes, replicaDirectoryId: '' })) }],
  }, 20_000);
}

function values(res: FetchResponse, partition = 0): string[] {
  const records = res.responses[0]?.partitions[partition]?.records;
  const whole = records === null || records === undefined ? Buffer.alloc(0) : Buffer.isBuffer(records) ? records : Buffer.concat(records as Buffer[]);
  return whole.length === 0 ? [] : splitBatches(whole).flatMap((b) => (decodeBatch(b).records ?? []).map((r) => r.value?.toString() ?? ''));
}

describe('fetch at the tail', () => {
  it('a woken long-poll gets the new batch without a read of the log', async () => {
    await produce([Buffer.from('first')]);
    // Catching up to the end may read the disk (the batch may predate this term's ring).
    expect(values(await fetch(0, 0, 1 << 20))).toEqual(['first']);
    const before = io.reads;
    const polling = fetch(1, 15_000, 1 << 20);
    await produce([Buffer.from('second'), Buffer.from('third')]);
    const res = await polling;
    expect(res.responses[0]?.partitions[0]?.highWatermark).toBe(3);
    expect(values(res)).toEqual(['second', 'third']);
    expect(io.reads - before).toBe(0);
  }, 30_000);

  it('a reader behind the ring (256 KiB) still gets every record, from disk, in order', async () => {
    const big = (i: number): Buffer => Buffer.concat([Buffer.from(`big-${i}:`), Buffer.alloc(60 * 1024, 0x61 + i)]);
    for (let i = 0; i < 6; i++) await produce([big(i)]);
    const before = io.reads;
    const seen: string[] = [];
    let offset = 3;
    for (let round = 0; round < 20 && offset < 9; round++) {
      const got = values(await fetch(offset, 0, 100 * 1024));
      seen.push(...got.map((v) => v.slice(0, v.indexOf(':'))));
      offset += got.length;
    }
    expect(seen).toEqual(['big-0', 'big-1', 'big-2', 'big-3', 'big-4', 'big-5']);
    expect(io.reads - before).toBeGreaterThan(0);
  }, 30_000);

  it('a long-poll over two partitions is answered by the one that got data; both waits are gone after it', async () => {
    const polling = fetch(0, 15_000, 1 << 20, TWO, [0, 0]);
    const replicas = [0, 1].map((p) => node.partitions.replica(TWO, p));
    // The produce goes through a Raft commit, so the fetch is normally parked on both partitions by
    // then; if it is not, it is answered at once and the assertions below hold all the same.
    await produce([Buffer.from('only-p1')], TWO, 1);
    const res = await polling;
    expect(res.responses[0]?.partitions.map((p) => p.highWatermark)).toEqual([0, 1]);
    expect(values(res, 1)).toEqual(['only-p1']);
    expect(replicas.map((r) => r?.waiters.size)).toEqual([0, 0]);
    expect(replicas.map((r) => r?.recent.keeping)).toEqual([true, true]);
  }, 30_000);

  it('a partition nobody reads at the tail keeps no batches in memory', async () => {
    for (let i = 0; i < 3; i++) await produce([Buffer.from(`unread-${i}`)], UNREAD);
    const replica = node.partitions.replica(UNREAD, 0);
    expect(replica?.highWatermark).toBe(3);
    expect([replica?.recent.keeping, replica?.recent.size]).toEqual([false, 0]);
  }, 30_000);
});

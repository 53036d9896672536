import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey, type MetadataResponse, type ProduceResponse } from '../../../src/kafka/protocol/index.js';
import {
  assignOffsets,
  decodeBatch,
  nextOffsetAfter,
  readBatchHeader,
  splitBatches,
  verifyBatchCrc,
} from '../../../src/kafka/record-batch/index.js';
import { startKafkaServer, type KafkaServer } from '../../../src/kafka/server/server.js';
import { capturingLogger, registryWithApiVersions } from './harness.js';

/**
 * A real producer's record batches through our Produce codec and record-batch code: the bytes
 * kafkajs writes (plain and gzip) verify, split, take offsets in place and decode to what was sent.
 */
describe('real kafkajs producer', () => {
  let server: KafkaServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('produces batches that verify, split, take offsets in place and decode', async () => {
    const registry = registryWithApiVersions();
    const stored: Buffer[] = [];
    let nextOffset = 0;
    registry.register({
      apiKey: ApiKey.Metadata,
      minVersion: 0,
      maxVersion: 12,
      handle: (request): MetadataResponse => ({
        throttleTimeMs: 0,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: server?.address.port ?? 0, rack: null }],
        clusterId: 'chronik-test',
        controllerId: 1,
        clusterAuthorizedOperations: -2147483648,
        topics: (request.topics ?? []).map((t) => ({
          errorCode: 0,
          name: t.name,
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          isInternal: false,
          topicAuthorizedOperations: -2147483648,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
        })),
      }),
    });
    registry.register({
      apiKey: ApiKey.Produce,
      minVersion: 3,
      maxVersion: 9,
      noResponse: (request) => request.acks === 0,
      handle: (request): ProduceResponse => ({
        throttleTimeMs: 0,
        nodeEndpoints: [],
        responses: request.topicData.map((topic) => ({
          name: topic.name,
          partitionResponses: topic.partitionData.map((p) => {
            const baseOffset = nextOffset;
            for (const batch of splitBatches((p.records as Buffer | null) ?? Buffer.alloc(0))) {
              verifyBatchCrc(batch);
              assignOffsets(batch, nextOffset, 0);
              verifyBatchCrc(batch);
              nextOffset = nextOffsetAfter(batch, nextOffset);
              stored.push(Buffer.from(batch));
            }
            return { index: p.index, errorCode: 0, baseOffset, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
          }),
        })),
      }),
    });
    const { logger, lines } = capturingLogger();
    server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger, registry });
    const kafka = new Kafka({ clientId: 'producer', brokers: [`127.0.0.1:${server.address.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const first = await producer.send({
      topic: 'events',
      messages: [
        { key: 'a', value: 'one', headers: { trace: 'x' }, timestamp: '1700000000000' },
        { key: null, value: 'two', timestamp: '1700000000005' },
      ],
    });
    const second = await producer.send({ topic: 'events', compression: CompressionTypes.GZIP, messages: [{ value: 'zipped' }] });
    await producer.disconnect();

    expect(first[0]?.baseOffset).toBe('0');
    expect(second[0]?.baseOffset).toBe('2');
    expect(stored).toHaveLength(2);
    const [plain, zipped] = stored.map((b) => decodeBatch(b));
    expect(plain?.records?.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString(), r.timestamp])).toEqual([
      [0, 'a', 'one', 1700000000000],
      [1, null, 'two', 1700000000005],
    ]);
    expect(plain?.records?.[0]?.headers).toEqual([{ key: 'trace', value: Buffer.from('x') }]);
    expect(readBatchHeader(stored[1] as Buffer).compression).toBe(1);
    expect(zipped?.records?.map((r) => [r.offset, r.value?.toString()])).toEqual([[2, 'zipped']]);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});

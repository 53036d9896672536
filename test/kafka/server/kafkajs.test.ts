import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiKey,
  MetadataRequestCodec,
  encodeRequestFrame,
  readRequestHeader,
  Reader,
} from '../../../src/kafka/protocol/index.js';
import { FrameDecoder } from '../../../src/kafka/server/frame-decoder.js';
import { startKafkaServer, type KafkaServer } from '../../../src/kafka/server/server.js';
import { capturingLogger, registryWithApiVersions } from './harness.js';
import { metadataTestHandler } from './metadata-test-handler.js';

/** A TCP pass-through that records the request frames a client sends. */
async function recordingProxy(targetPort: number): Promise<{ server: Server; port: number; frames: Buffer[] }> {
  const frames: Buffer[] = [];
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    const decoder = new FrameDecoder(1 << 20);
    inbound.on('data', (chunk: Buffer) => {
      decoder.push(chunk);
      for (let f = decoder.next(); f !== undefined; f = decoder.next()) frames.push(Buffer.from(f));
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => {});
    outbound.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, frames };
}

describe('real kafkajs client', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('admin.connect() completes its ApiVersions and Metadata exchange; its bytes match our codecs', async () => {
    const registry = registryWithApiVersions();
    let proxyPort = 0;
    registry.register(metadataTestHandler(() => proxyPort));
    const { logger, lines } = capturingLogger();
    const server: KafkaServer = await startKafkaServer({ host: '127.0.0.1', port: 0, logger, registry });
    cleanups.push(() => server.close());
    const proxy = await recordingProxy(server.address.port);
    proxyPort = proxy.port;
    cleanups.push(() => new Promise<void>((resolve) => proxy.server.close(() => resolve())));

    const kafka = new Kafka({ clientId: 'golden', brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.clusterId).toBe('chronik-test');
    expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: proxy.port }]);

    // Golden bytes: kafkajs's ApiVersions v2 request is exactly the header (v1) with an empty body.
    const apiVersions = proxy.frames[0] as Buffer;
    const correlationId = apiVersions.readInt32BE(4);
    const golden = Buffer.from(`0012 0002 ${correlationId.toString(16).padStart(8, '0')} 0006 ${Buffer.from('golden').toString('hex')}`.replace(/ /g, ''), 'hex');
    expect(apiVersions).toEqual(golden);

    // Every frame kafkajs sent decodes, and re-encodes byte for byte.
    const metadataFrames = proxy.frames.filter((f) => f.readInt16BE(0) === ApiKey.Metadata);
    expect(metadataFrames.length).toBeGreaterThan(0);
    // Golden bytes: Metadata v6 asking for all topics (null array) without auto-creation.
    const first = metadataFrames[0] as Buffer;
    const metadataCorrelation = first.readInt32BE(4).toString(16).padStart(8, '0');
    expect(first.toString('hex')).toBe(`00030006${metadataCorrelation}0006${Buffer.from('golden').toString('hex')}ffffffff00`);
    const decodedFirst = MetadataRequestCodec.decode(first.subarray(16), 6);
    expect(decodedFirst.topics).toBeNull();
    expect(decodedFirst.allowAutoTopicCreation).toBe(false);
    for (const frame of metadataFrames) {
      const r = new Reader(frame);
      const header = readRequestHeader(r);
      expect(header.clientId).toBe('golden');
      const request = MetadataRequestCodec.read(r, header.apiVersion);
      expect(r.remaining()).toBe(0);
      const reencoded = encodeRequestFrame(header, MetadataRequestCodec.encode(request, header.apiVersion));
      expect(reencoded.subarray(4)).toEqual(frame);
    }
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ApiKey, ApiVersionsRequestCodec } from '../../../src/kafka/protocol/index.js';
import { promKafkaServerMetrics } from '../../../src/kafka/server/prom-metrics.js';
import { startKafkaServer } from '../../../src/kafka/server/server.js';
import { capturingLogger, registryWithApiVersions, requestFrame } from './harness.js';
import { RawClient } from './raw-client.js';

describe('prom-client binding', () => {
  it('counts requests by API and error code, bytes and connections, in its own registry', async () => {
    const prom = new Registry();
    const metrics = promKafkaServerMetrics(prom);
    const server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger: capturingLogger().logger, registry: registryWithApiVersions(), metrics });
    try {
      const c = await RawClient.connect(server.address.port);
      const ok = requestFrame(ApiVersionsRequestCodec, ApiKey.ApiVersions, 3, 1, { clientSoftwareName: 'prom', clientSoftwareVersion: '1' });
      const future = Buffer.from(ok);
      future.writeInt16BE(99, 6);
      c.send(Buffer.concat([ok, ok, future]));
      await c.waitFrames(3);
      const text = await prom.metrics();
      expect(text).toContain('chronik_kafka_requests_total{api="ApiVersions",error_code="0"} 2');
      expect(text).toContain('chronik_kafka_requests_total{api="ApiVersions",error_code="35"} 1');
      expect(text).toContain('chronik_kafka_connections 1');
      expect(text).toContain(`chronik_kafka_received_bytes_total ${ok.length * 3}`);
      expect(text).toMatch(/chronik_kafka_request_duration_seconds_count\{api="ApiVersions"\} 3/);
      c.destroy();
    } finally {
      await server.close();
    }
    expect(await prom.metrics()).toContain('chronik_kafka_connections 0');
  });
});

import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startKafkaServer, type KafkaServer } from '../../../src/kafka/server/server.js';
import { capturingLogger, registryWithApiVersions } from './harness.js';
import { metadataTestHandler } from './metadata-test-handler.js';

const PYTHON = '/usr/bin/python3';

function python(script: string, timeoutMs: number): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, ['-c', script], { timeout: timeoutMs }, (err, stdout, stderr) => resolve({ ok: err === null, stdout, stderr }));
  });
}

describe('real Python clients', () => {
  let server: KafkaServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  async function start(): Promise<number> {
    const registry = registryWithApiVersions();
    registry.register(metadataTestHandler(() => server?.address.port ?? 0));
    server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger: capturingLogger().logger, registry });
    return server.address.port;
  }

  it('confluent-kafka (librdkafka) lists the cluster', async () => {
    const port = await start();
    const result = await python(
      [
        'from confluent_kafka.admin import AdminClient',
        `md = AdminClient({'bootstrap.servers': '127.0.0.1:${port}'}).list_topics(timeout=10)`,
        'print(md.cluster_id, sorted(md.brokers))',
      ].join('\n'),
      20_000,
    );
    expect(result.ok, result.stderr).toBe(true);
    expect(result.stdout.trim()).toBe('chronik-test [1]');
  });

  it('kafka-python bootstraps (ApiVersions probe, then Metadata)', async () => {
    const port = await start();
    const result = await python(
      [
        'from kafka import KafkaAdminClient',
        `a = KafkaAdminClient(bootstrap_servers='127.0.0.1:${port}', request_timeout_ms=10000)`,
        'print(sorted(b.nodeId for b in a._client.cluster.brokers()))',
        'a.close()',
      ].join('\n'),
      30_000,
    );
    expect(result.ok, result.stderr).toBe(true);
    expect(result.stdout.trim()).toBe('[1]');
  });
});

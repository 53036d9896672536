import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { apiVersionsHandler } from '../../../src/kafka/server/api-versions.js';
import { HandlerRegistry } from '../../../src/kafka/server/registry.js';
import { startKafkaServer, type KafkaServer } from '../../../src/kafka/server/server.js';
import { capturingLogger } from './harness.js';
import { metadataTestHandler } from './metadata-test-handler.js';

function kcat(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kcat', args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('real librdkafka client (kcat)', () => {
  let server: KafkaServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('kcat -L negotiates ApiVersions v3 and lists the broker from Metadata', async () => {
    const registry = new HandlerRegistry();
    const base = apiVersionsHandler(registry);
    const seen: number[] = [];
    registry.register({
      ...base,
      handle: (request, ctx) => {
        seen.push(ctx.apiVersion);
        return base.handle(request, ctx);
      },
    });
    registry.register(metadataTestHandler(() => server?.address.port ?? 0));
    const { logger, lines } = capturingLogger();
    server = await startKafkaServer({ host: '127.0.0.1', port: 0, logger, registry });
    const result = await kcat(['-L', '-b', `127.0.0.1:${server.address.port}`, '-m', '5'], 15_000);
    expect(seen).toContain(3);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/1 brokers:\s+broker 1 at 127\.0\.0\.1:\d+/);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});

/**
 * A node told to listen on port 0 (any free port, for Kafka and, derived from it, for Raft)
 * registers in `__meta` the ports it actually bound. A registration with port 0 is refused by the
 * metadata layer; it used to be retried 1,000 times in ~60 ms and then given up, leaving the broker
 * out of the image.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/index.js';
import { ChronikNode } from '../../src/node/node.js';
import { silentLogger } from '../../src/util/logger.js';

describe('broker registration on port 0', () => {
  let node: ChronikNode | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await node?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    node = undefined;
    dir = undefined;
  });

  it('registers the bound Kafka and Raft ports', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chronik-register-'));
    const config = buildConfig({ overrides: { 'kafka.listen': '127.0.0.1:0', 'data.dir': dir, 'log.level': 'silent' } });
    expect(config.raftListen.port).toBe(0);
    node = await ChronikNode.start({ config, logger: silentLogger() });
    const n = node;
    const broker = await n.meta.state.waiters.waitFor((image) => image.brokers.get(config.nodeId), { timeoutMs: 10_000, what: 'this broker registered' });
    expect(broker.kafkaPort).toBe(n.kafkaAddress.port);
    expect(broker.kafkaPort).toBeGreaterThan(0);
    expect(broker.raftPort).toBeGreaterThan(0);
  }, 30_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/index.js';
import { ChronikNode } from '../../src/node/node.js';
import { TransportError } from '../../src/raft/transport/index.js';
import { silentLogger } from '../../src/util/logger.js';

/**
 * startChronik retries with fresh Raft ports when a reserved port was taken before a node bound
 * it. That is only sound if a node whose Raft listener cannot bind releases what it opened — above
 * all the data dir's LevelDB lock — which is what this checks, on the real ChronikNode.
 */
let dir: string | undefined;
let blocker: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (blocker === undefined ? resolve() : blocker.close(() => resolve())));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      resolve({ server, port: address.port });
    });
  });
}

describe('ChronikNode.start when the Raft port is taken', () => {
  it('rejects with the bind error and releases the data dir, so a retry on another port starts', async () => {
    dir = await mkdtemp(join(tmpdir(), 'chronik-start-failure-'));
    const taken = await listen();
    blocker = taken.server;
    const config = (raftPort: number): ReturnType<typeof buildConfig> =>
      buildConfig({ overrides: { 'kafka.listen': '127.0.0.1:0', 'raft.listen': `127.0.0.1:${raftPort}`, 'data.dir': dir as string, 'log.level': 'silent' } });
    const failed = ChronikNode.start({ config: config(taken.port), logger: silentLogger() });
    await expect(failed).rejects.toBeInstanceOf(TransportError);
    await expect(failed).rejects.toMatchObject({ cause: { code: 'EADDRINUSE' } });

    const free = await listen();
    await new Promise<void>((resolve) => free.server.close(() => resolve()));
    const node = await ChronikNode.start({ config: config(free.port), logger: silentLogger() });
    try {
      await node.ready(10_000);
    } finally {
      await node.stop();
    }
  }, 20_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeTransport, type PeerAddress } from '../../../src/raft/transport/index.js';
import type { EchoNodeConfig } from '../../../src/raft/transport/testing/echo-node.js';
import { Inbox, peerDown, peerUp, withTimeout } from './helpers.js';

const ECHO_NODE = fileURLToPath(new URL('../../../dist/src/raft/transport/testing/echo-node.js', import.meta.url));

/** Starts the echo node in its own process and resolves with the port it reports. */
async function spawnEcho(config: EchoNodeConfig): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [ECHO_NODE, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await withTimeout(
    new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`echo node exited with ${code}`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        const match = /ready (\d+)/.exec(chunk.toString());
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
    }),
    10_000,
    'echo node to listen',
  );
  return { child, port };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe.skipIf(!existsSync(ECHO_NODE))('NodeTransport against a real process (needs dist/: npx tsc -p .)', () => {
  const children: ChildProcess[] = [];
  let local: NodeTransport | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await local?.close();
  });

  it('survives SIGKILL of the peer process and reconnects when it comes back on the same port', async () => {
    local = new NodeTransport({ nodeId: 1, clusterId: 'proc', listen: { host: '127.0.0.1', port: 0 }, peers: new Map(), logger: pino({ level: 'silent' }) });
    const mine = await local.start();
    const config = (port: number): EchoNodeConfig => ({ nodeId: 2, clusterId: 'proc', listen: { host: '127.0.0.1', port }, peers: [[1, mine]] });
    const first = await spawnEcho(config(0));
    children.push(first.child);
    const echoAddress: PeerAddress = { host: '127.0.0.1', port: first.port };
    const inbox = new Inbox(local);
    local.setPeers(new Map([[2, echoAddress]]));
    await peerUp(local, 2, 10_000);
    local.send(2, Buffer.from('ping 1'));
    await inbox.waitFor(2, 1);

    const down = peerDown(local, 2, 10_000);
    first.child.kill('SIGKILL');
    await exited(first.child);
    await down;
    local.send(2, Buffer.from('ping 2')); // queued while the peer is dead

    const up = peerUp(local, 2, 15_000);
    const second = await spawnEcho(config(first.port));
    children.push(second.child);
    await up;
    await inbox.waitFor(2, 2, 10_000);
    expect(inbox.from(2).map(String)).toEqual(['ping 1', 'ping 2']);
    expect(local.stats().peers['2']?.reconnects).toBe(1);
  });
});

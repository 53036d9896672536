/**
 * A node that runs only a transport and echoes every payload back to its sender: the far end for
 * tests that need a real separate process (to SIGKILL it, or restart it on the same port).
 *
 *   node dist/src/raft/transport/testing/echo-node.js '<json EchoNodeConfig>'
 *
 * Prints one line `ready <port>` on stdout once listening.
 */
import { pino } from 'pino';
import { NodeTransport } from '../transport.js';
import type { PeerAddress } from '../types.js';

export interface EchoNodeConfig {
  nodeId: number;
  clusterId: string;
  listen: PeerAddress;
  peers: Array<[number, PeerAddress]>;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as EchoNodeConfig;
  const transport = new NodeTransport({
    nodeId: config.nodeId,
    clusterId: config.clusterId,
    listen: config.listen,
    peers: new Map(config.peers),
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  transport.onFrame((from, payload) => transport.send(from, payload));
  const address = await transport.start();
  process.stdout.write(`ready ${address.port}\n`);
  process.once('SIGTERM', () => void transport.close().then(() => process.exit(0)));
}

void main();

import { createServer, type Server } from 'node:net';

const HOST = '127.0.0.1';

/**
 * Picks `count` distinct free TCP ports on loopback by binding port 0 and releasing the port.
 * Raft peers must know each other's addresses before any node starts, so the ports are chosen up
 * front; the window between release and the node's own bind is short, and a collision surfaces as
 * the node's bind error rather than as a silent misconnection (peers refuse other cluster ids).
 */
export async function reservePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenEphemeral());
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

function listenEphemeral(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('listener has no TCP address');
  return address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

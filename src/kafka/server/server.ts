import { createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import type { Logger } from '../../util/logger.js';
import { Connection } from './connection.js';
import { noopMetrics, type KafkaServerMetrics } from './metrics.js';
import type { HandlerRegistry } from './registry.js';

export interface KafkaServerOptions {
  readonly host: string;
  /** 0 picks a free port; read the real one from `address`. */
  readonly port: number;
  readonly logger: Logger;
  readonly registry: HandlerRegistry;
  /** socket.request.max.bytes: larger frames close their connection. Default 100 MiB. */
  readonly maxRequestBytes?: number;
  /** Requests admitted but not yet answered per connection before reading pauses. Default 100. */
  readonly maxInFlightPerConnection?: number;
  /**
   * Bytes of request frames admitted but not yet answered per connection before reading pauses
   * (exceeded by at most one request). Default DEFAULT_MAX_IN_FLIGHT_BYTES.
   */
  readonly maxInFlightBytesPerConnection?: number;
  /** Connections beyond this are closed on accept. Default 10,000. */
  readonly maxConnections?: number;
  /** connections.max.idle.ms. Default 10 minutes. */
  readonly idleTimeoutMs?: number;
  readonly metrics?: KafkaServerMetrics;
}

export interface KafkaServer {
  readonly address: { readonly host: string; readonly port: number };
  connectionCount(): number;
  /** Stops accepting new connections (the port is released); open connections keep being served. */
  stopAccepting(): void;
  /**
   * Graceful close of every connection: stops accepting, admits no new request, answers every
   * admitted one (long polls answer at once) and ends each connection once its responses are
   * written. Connections still busy after `timeoutMs` are closed hard (counted in `forced`).
   */
  drain(timeoutMs: number): Promise<DrainReport>;
  /** Stops accepting, closes every connection and resolves once the listener is closed. */
  close(): Promise<void>;
}

export interface DrainReport {
  /** Connections open when the drain began. */
  readonly connections: number;
  /** Of those, closed hard at the bound with requests still unanswered or unread by the client. */
  readonly forced: number;
  readonly elapsedMs: number;
}

export const DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024;
/**
 * Twice the ~20 MB a librdkafka producer keeps in flight with the bench's settings, so a client that
 * waits for its acks is never held back by it; an acks=0 flood of 1 MiB requests is held to this
 * much per connection instead of 100 requests' worth.
 */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 40 * 1024 * 1024;

/** Starts the Kafka-protocol listener. */
export async function startKafkaServer(options: KafkaServerOptions): Promise<KafkaServer> {
  const log = options.logger.child({ module: 'kafka-server' });
  const metrics = options.metrics ?? noopMetrics;
  const maxConnections = options.maxConnections ?? 10_000;
  const connections = new Set<Connection>();
  let nextId = 1;
  const server = createServer((socket: Socket) => {
    if (connections.size >= maxConnections) {
      log.warn({ client: socket.remoteAddress, maxConnections }, 'connection refused: too many connections');
      socket.destroy();
      return;
    }
    metrics.connectionOpened();
    const connection = new Connection({
      id: nextId++,
      socket,
      registry: options.registry,
      logger: log,
      metrics,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      maxInFlight: options.maxInFlightPerConnection ?? 100,
      maxInFlightBytes: options.maxInFlightBytesPerConnection ?? DEFAULT_MAX_IN_FLIGHT_BYTES,
      idleTimeoutMs: options.idleTimeoutMs ?? 600_000,
      onClose: (c) => {
        connections.delete(c);
        metrics.connectionClosed();
      },
    });
    connections.add(connection);
  });
  server.listen(options.port, options.host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]: unknown[]) => Promise.reject(err))]);
  // After listening, errors (such as EMFILE on accept) are logged; they must not crash the node.
  server.on('error', (err) => log.error({ err }, 'kafka listener error'));
  const info = server.address() as AddressInfo;
  log.info({ host: info.address, port: info.port }, 'kafka listener started');
  // net.Server.close() stops listening at once; its callback waits for every connection to end.
  let listenerClosed: Promise<void> | undefined;
  const stopAccepting = (): Promise<void> => (listenerClosed ??= new Promise<void>((resolve) => server.close(() => resolve())));
  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    const closed = stopAccepting();
    const open = [...connections];
    for (const c of open) c.close('info', 'server shutting down');
    await Promise.all([closed, ...open.map((c) => c.closed)]);
    log.info('kafka listener stopped');
  };
  let draining: Promise<DrainReport> | undefined;
  return {
    address: { host: info.address, port: info.port },
    connectionCount: () => connections.size,
    stopAccepting: () => void stopAccepting(),
    // Idempotent like close(): a second call gets the first drain's report.
    drain: (timeoutMs) => (draining ??= drainAll([...connections], timeoutMs, stopAccepting, log)),
    close: () => (closing ??= shutdown()),
  };
}

async function drainAll(open: readonly Connection[], timeoutMs: number, stopAccepting: () => void, log: Logger): Promise<DrainReport> {
  stopAccepting();
  const start = performance.now();
  for (const c of open) c.drain();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all(open.map((c) => c.closed)), bound]);
  clearTimeout(timer);
  const stuck = open.filter((c) => c.isOpen);
  for (const c of stuck) c.close('info', `drain not finished within ${timeoutMs} ms`);
  await Promise.all(stuck.map((c) => c.closed));
  const report = { connections: open.length, forced: stuck.length, elapsedMs: Math.round(performance.now() - start) };
  log.info(report, 'kafka listener drained');
  return report;
}

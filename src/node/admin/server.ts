import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../util/logger.js';
import { FAULTS_PATH, type FaultsRoute } from './faults.js';
import { checkReadiness } from './readiness.js';
import type { AdminSources } from './sources.js';
import { MAX_RAFT_PAGE, metaView, raftView } from './views.js';

export interface AdminServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is logged ('admin listener started') and in `address`. */
  readonly port: number;
  readonly logger: Logger;
  readonly sources: AdminSources;
  /** Bound on /readyz without ?timeoutMs. Default 1 s. */
  readonly readyTimeoutMs?: number;
  /** Fault injection route, mounted only when the node enables it (admin.faults.enable). */
  readonly faults?: FaultsRoute;
}

export interface AdminServer {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

/** Admin endpoints are for a handful of scrapers and operators: connections beyond this are refused. */
const MAX_CONNECTIONS = 64;
/** Longest wait a client may ask of /readyz or /v1/meta; requests are cut off just after it. */
const MAX_WAIT_MS = 60_000;
const REQUEST_TIMEOUT_MS = MAX_WAIT_MS + 5_000;

/** Starts the HTTP admin listener: /metrics, /healthz, /readyz, /v1/meta, /v1/raft. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const log = options.logger.child({ module: 'admin' });
  const server = createServer((req, res) => {
    route(options, req, res).catch((err: unknown) => {
      log.warn({ err, url: req.url }, 'admin request failed');
      send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.listen(options.port, options.host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]: unknown[]) => Promise.reject(err))]);
  server.on('error', (err) => log.error({ err }, 'admin listener error'));
  const info = server.address() as AddressInfo;
  log.info({ host: info.address, port: info.port }, 'admin listener started');
  return { address: { host: info.address, port: info.port }, close: () => closeServer(server, log) };
}

async function closeServer(server: Server, log: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  log.info('admin listener stopped');
}

async function route(o: AdminServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (o.faults !== undefined && url.pathname === FAULTS_PATH) return o.faults(req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  switch (url.pathname) {
    case '/metrics':
      return send(res, 200, o.sources.metrics.contentType, await o.sources.metrics.scrape());
    case '/healthz':
      return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    case '/readyz': {
      const timeoutMs = intParam(url, 'timeoutMs', o.readyTimeoutMs ?? 1_000, 0, MAX_WAIT_MS);
      const r = await checkReadiness(o.sources, { timeoutMs, inSync: url.searchParams.get('inSync') === '1' });
      return send(res, r.ready ? 200 : 503, 'text/plain; charset=utf-8', `${r.reason}\n`);
    }
    case '/v1/meta': {
      // ?minAppliedIndex=N&timeoutMs=T: answer once the image has applied index N (event-driven).
      const min = intParam(url, 'minAppliedIndex', 0, 0, Number.MAX_SAFE_INTEGER);
      const timeoutMs = intParam(url, 'timeoutMs', 0, 0, MAX_WAIT_MS);
      if (min > 0) {
        const reached = await o.sources.waitForImage((image) => image.appliedIndex >= min, timeoutMs).then(() => true, () => false);
        if (!reached) return send(res, 504, 'text/plain; charset=utf-8', `applied index ${min} not reached within ${timeoutMs} ms\n`);
      }
      return json(res, metaView(o.sources));
    }
    case '/v1/raft': {
      const offset = intParam(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
      const limit = intParam(url, 'limit', 100, 1, MAX_RAFT_PAGE);
      return json(res, raftView(o.sources, offset, limit));
    }
    default:
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

/** A non-numeric or out-of-range parameter falls back to / is clamped into its range. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = Number(url.searchParams.get(name) ?? fallback);
  return Number.isSafeInteger(raw) ? Math.min(max, Math.max(min, raw)) : fallback;
}

function json(res: ServerResponse, body: unknown): void {
  send(res, 200, 'application/json', `${JSON.stringify(body)}\n`);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

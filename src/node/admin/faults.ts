import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LinkDirection, LinkFault } from '../../raft/transport/index.js';
import type { Logger } from '../../util/logger.js';

/**
 * Network fault injection over HTTP, for the fault suite and soak runs only: `POST /v1/faults/links`
 * with `{ peer, direction: 'in'|'out'|'both', dropProbability?, delayMs? }` sets a fault on the
 * node-to-node link with `peer`; `DELETE /v1/faults/links` heals every link. The admin server mounts
 * this only when the node runs with `admin.faults.enable=true`, so production nodes never expose it.
 */
export const FAULTS_PATH = '/v1/faults/links';

/** The part of NodeTransport this route drives. */
export interface LinkFaultTarget {
  setLinkFault(peer: number, fault: LinkFault | undefined, direction?: LinkDirection): void;
  clearLinkFaults(): void;
}

export interface FaultsRouteOptions {
  readonly transport: LinkFaultTarget;
  readonly logger: Logger;
}

export interface LinkFaultRequest {
  readonly peer: number;
  readonly direction: LinkDirection | 'both';
  readonly fault: LinkFault;
}

export type FaultsRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A fault request body is a few dozen bytes; anything larger is refused before it is buffered. */
const MAX_BODY_BYTES = 4_096;

export class FaultRequestError extends Error {
  override readonly name = 'FaultRequestError';
}

export function createFaultsRoute(options: FaultsRouteOptions): FaultsRoute {
  const log = options.logger.child({ module: 'admin-faults' });
  return async (req, res) => {
    if (req.method === 'DELETE') {
      options.transport.clearLinkFaults();
      log.warn('link faults healed');
      return reply(res, 200, { healed: true });
    }
    if (req.method !== 'POST') return reply(res, 405, { error: 'method not allowed' });
    let parsed: LinkFaultRequest;
    try {
      parsed = parseLinkFaultRequest(await readBody(req, MAX_BODY_BYTES));
      applyLinkFault(options.transport, parsed);
    } catch (err) {
      // Bad input from outside: a 400 with the reason, never a crash.
      return reply(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
    log.warn({ peer: parsed.peer, direction: parsed.direction, fault: parsed.fault }, 'link fault injected');
    return reply(res, 200, { peer: parsed.peer, direction: parsed.direction, ...parsed.fault });
  };
}

/** Validates the JSON body; the transport validates the fault's ranges itself. */
export function parseLinkFaultRequest(body: string): LinkFaultRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new FaultRequestError('body is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw new FaultRequestError('body must be a JSON object');
  const o = value as Record<string, unknown>;
  if (!Number.isSafeInteger(o.peer) || (o.peer as number) < 0) throw new FaultRequestError('peer must be a node id');
  const direction = o.direction ?? 'both';
  if (direction !== 'in' && direction !== 'out' && direction !== 'both') throw new FaultRequestError("direction must be 'in', 'out' or 'both'");
  const fault: { dropProbability?: number; delayMs?: number } = {};
  if (o.dropProbability !== undefined) fault.dropProbability = numberField(o.dropProbability, 'dropProbability');
  if (o.delayMs !== undefined) fault.delayMs = numberField(o.delayMs, 'delayMs');
  // An empty fault would silently do nothing: the caller almost certainly meant a cut.
  if (fault.dropProbability === undefined && fault.delayMs === undefined) fault.dropProbability = 1;
  return { peer: o.peer as number, direction, fault };
}

export function applyLinkFault(transport: LinkFaultTarget, request: LinkFaultRequest): void {
  const directions: LinkDirection[] = request.direction === 'both' ? ['out', 'in'] : [request.direction];
  for (const d of directions) transport.setLinkFault(request.peer, request.fault, d);
}

function numberField(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FaultRequestError(`${name} must be a number`);
  return value;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) throw new FaultRequestError(`body larger than ${maxBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

import { request } from 'node:http';

/**
 * A tiny client for a node's admin HTTP listener: the fault suite and the soak runner read Raft
 * roles from /v1/raft, the __meta leader from /v1/meta, wait on /readyz, and drive /v1/faults/links.
 */
export interface AdminResponse {
  readonly status: number;
  readonly body: string;
}

export interface RaftGroupStatus {
  readonly groupId: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly highWatermark?: number;
  readonly role: string;
  readonly term: number;
  readonly leader: number | null;
  readonly commit: number;
  readonly lastIndex: number;
  /** Leader only: follower node id → last matching index. */
  readonly match?: Record<string, number>;
}

/** One bounded HTTP round trip to 127.0.0.1:port. Rejects on a network error or at the bound. */
export function adminRequest(port: number, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host: '127.0.0.1', port, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`admin ${method} ${path} on port ${port}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The node's view of every Raft group it hosts (at most 1000: the fault runs use far fewer). */
export async function raftGroups(port: number, timeoutMs = 5_000): Promise<RaftGroupStatus[]> {
  const r = await adminRequest(port, 'GET', '/v1/raft?limit=1000', undefined, timeoutMs);
  if (r.status !== 200) throw new Error(`/v1/raft answered ${r.status}: ${r.body}`);
  return (JSON.parse(r.body) as { groups: RaftGroupStatus[] }).groups;
}

/** The __meta leader as this node sees it (null when it knows none). */
export async function metaLeader(port: number, timeoutMs = 5_000): Promise<number | null> {
  const r = await adminRequest(port, 'GET', '/v1/meta', undefined, timeoutMs);
  if (r.status !== 200) throw new Error(`/v1/meta answered ${r.status}: ${r.body}`);
  return (JSON.parse(r.body) as { metaLeader: number | null }).metaLeader;
}

/**
 * Waits until the node serves (and with inSync, is in every ISR it hosts). The wait itself is
 * server-side and event-driven; a 503 for a transient reason (e.g. __meta applied one entry behind
 * its commit at the instant of the probe) is retried with a short backoff until the bound.
 */
export async function waitReady(port: number, timeoutMs: number, inSync: boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  for (let attempt = 0; attempt < MAX_READY_ATTEMPTS; attempt++) {
    const left = Math.max(1, Math.ceil(deadline - performance.now()));
    const r = await adminRequest(port, 'GET', `/readyz?timeoutMs=${left}${inSync ? '&inSync=1' : ''}`, undefined, left + 5_000);
    if (r.status === 200) return;
    last = r.body.trim();
    if (performance.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, READY_RETRY_BACKOFF_MS));
  }
  throw new Error(`node on admin port ${port} not ready within ${timeoutMs} ms: ${last}`);
}

const MAX_READY_ATTEMPTS = 600;
const READY_RETRY_BACKOFF_MS = 100;

export interface LinkFaultSpec {
  readonly peer: number;
  readonly direction: 'in' | 'out' | 'both';
  readonly dropProbability?: number;
  readonly delayMs?: number;
}

export async function setLinkFault(port: number, fault: LinkFaultSpec, timeoutMs = 5_000): Promise<void> {
  const r = await adminRequest(port, 'POST', '/v1/faults/links', JSON.stringify(fault), timeoutMs);
  if (r.status !== 200) throw new Error(`link fault refused (${r.status}): ${r.body.trim()}`);
}

export async function healLinks(port: number, timeoutMs = 5_000): Promise<void> {
  const r = await adminRequest(port, 'DELETE', '/v1/faults/links', undefined, timeoutMs);
  if (r.status !== 200) throw new Error(`heal refused (${r.status}): ${r.body.trim()}`);
}

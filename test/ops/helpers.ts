import { get } from 'node:http';
import type { ProcessCluster, ProcessNode } from '../helpers/process-cluster.js';

/** The admin port a node bound (the harness passes --admin 127.0.0.1:0), from its log line. */
export function adminPort(cluster: ProcessCluster, id: number): number {
  const line = (cluster.nodes[id] as ProcessNode).lines.find((l) => l.msg === 'admin listener started');
  if (line === undefined || typeof line.port !== 'number') throw new Error(`node ${id} logged no admin port`);
  return line.port;
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

/** One GET against 127.0.0.1, bounded by timeoutMs. */
export function httpGet(port: number, path: string, timeoutMs = 10_000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

export async function getJson<T>(port: number, path: string, timeoutMs = 10_000): Promise<T> {
  const r = await httpGet(port, path, timeoutMs);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

/** Sends SIGTERM and resolves with the exit code once the process exits (rejects at the bound). */
export function sigterm(cluster: ProcessCluster, id: number, timeoutMs: number): Promise<{ code: number | null; elapsedMs: number }> {
  const node = cluster.nodes[id] as ProcessNode;
  const child = node.child;
  if (child === undefined || child.exitCode !== null) return Promise.reject(new Error(`node ${id} is not running`));
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${id} did not exit within ${timeoutMs} ms of SIGTERM`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      node.child = undefined;
      resolve({ code, elapsedMs: performance.now() - start });
    });
    child.kill('SIGTERM');
  });
}

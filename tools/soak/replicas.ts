import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplicaDivergence } from './checker.js';

/**
 * Replica comparison through `chronik inspect` on stopped nodes' data directories: every node's
 * committed prefix of a partition log must be the same frames (index, term, type, size and payload
 * CRC-32C, i.e. the same bytes).
 */
export interface FrameDigest {
  readonly index: number;
  readonly term: number;
  readonly type: number;
  readonly size: number;
  readonly crc: number;
  readonly crcOk: boolean;
}

export interface ReplicaLog {
  readonly node: number;
  readonly dir: string;
  /** The node's durable commit index (its Raft hard state), 0 when unknown. */
  readonly commit: number;
  readonly frames: readonly FrameDigest[];
}

/** Bound on one inspect run: a 100 MB log dumps in a few seconds. */
const INSPECT_TIMEOUT_MS = 120_000;
const MAX_INSPECT_OUTPUT_BYTES = 512 * 1024 * 1024;

/** `<dataDir>/logs/p.<topic>-<partition>.<topicId8>`, or undefined when the node has no replica. */
export async function partitionLogDir(dataDir: string, topic: string, partition: number): Promise<string | undefined> {
  const prefix = `p.${topic}-${partition}.`;
  const names = await readdir(join(dataDir, 'logs')).catch(() => [] as string[]);
  const name = names.find((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes('.'));
  return name === undefined ? undefined : join(dataDir, 'logs', name);
}

export async function readReplicaLog(cli: string, node: number, dir: string): Promise<ReplicaLog> {
  const raft = JSON.parse(await inspect(cli, ['raft', '--json', dir])) as { logs: { hardState: { commit: number } | null }[] };
  const commit = raft.logs[0]?.hardState?.commit ?? 0;
  const frames: FrameDigest[] = [];
  for (const line of (await inspect(cli, ['dump', '--json', dir])).split('\n')) {
    if (line.length === 0) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o.index !== 'number') {
      // A damage record: keep it as an impossible frame so that it shows up as divergence.
      frames.push({ index: -1, term: -1, type: -1, size: -1, crc: -1, crcOk: false });
      continue;
    }
    frames.push({ index: o.index, term: o.term as number, type: o.type as number, size: o.size as number, crc: o.actualCrc as number, crcOk: o.crcOk === true });
  }
  return { node, dir, commit, frames };
}

/**
 * Compares replicas of one log. Each node is compared up to its own durable commit (its entries up
 * to there are committed by Raft's log matching); with `requireComplete`, every node must also hold
 * everything up to the highest commit any node reached (use it only after waiting for catch-up).
 */
export function compareReplicaLogs(name: string, logs: readonly ReplicaLog[], requireComplete: boolean): ReplicaDivergence[] {
  const out: ReplicaDivergence[] = [];
  const clusterCommit = Math.max(0, ...logs.map((l) => l.commit));
  const reference = referenceFrames(logs, clusterCommit);
  for (const log of logs) {
    const limit = requireComplete ? clusterCommit : Math.min(log.commit, clusterCommit);
    const byIndex = new Map(log.frames.map((f) => [f.index, f]));
    if (log.frames.some((f) => f.index === -1 || !f.crcOk)) out.push({ log: name, node: log.node, index: -1, detail: 'damaged frame in the log' });
    for (const [index, ref] of reference) {
      if (index > limit) continue;
      const mine = byIndex.get(index);
      if (mine === undefined) {
        // Entries below the first retained one may have been trimmed by retention; missing in the middle is not.
        if (index >= (log.frames[0]?.index ?? Number.MAX_SAFE_INTEGER)) out.push({ log: name, node: log.node, index, detail: `committed entry missing (have up to ${log.frames.at(-1)?.index ?? 0})` });
        else if (requireComplete && log.frames.length === 0) out.push({ log: name, node: log.node, index, detail: 'log is empty' });
        continue;
      }
      if (!sameFrame(mine, ref.frame)) out.push({ log: name, node: log.node, index, detail: `${describe(mine)} vs node ${ref.node} ${describe(ref.frame)}` });
    }
  }
  return out;
}

/** For each committed index, the frame of the node with the highest commit that holds it. */
function referenceFrames(logs: readonly ReplicaLog[], clusterCommit: number): Map<number, { node: number; frame: FrameDigest }> {
  const ref = new Map<number, { node: number; frame: FrameDigest }>();
  for (const log of [...logs].sort((a, b) => b.commit - a.commit)) {
    for (const f of log.frames) if (f.index > 0 && f.index <= Math.min(clusterCommit, log.commit) && !ref.has(f.index)) ref.set(f.index, { node: log.node, frame: f });
  }
  return ref;
}

function sameFrame(a: FrameDigest, b: FrameDigest): boolean {
  return a.term === b.term && a.type === b.type && a.size === b.size && a.crc === b.crc;
}

function describe(f: FrameDigest): string {
  return `term=${f.term} type=${f.type} size=${f.size} crc=${f.crc}`;
}

function inspect(cli: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'inspect', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_INSPECT_OUTPUT_BYTES) child.kill('SIGKILL');
      else chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), INSPECT_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`chronik inspect ${args.join(' ')} exited ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}

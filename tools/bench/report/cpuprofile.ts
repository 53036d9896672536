/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, heaviest first.
 * Self time is attributed from the sample stream (samples + timeDeltas), not hitCount, so frames
 * get the real sampled time even when the sampling interval varied.
 */
import { readFile } from 'node:fs/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FrameTime {
  frame: string;
  selfMs: number;
  percent: number;
}

function frameKey(cf: CallFrame): string {
  const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
}

/** Frames whose callers say nothing (the VM's own buckets). */
const NO_CALLERS = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);

/**
 * The call path that carried most of a frame's self time, `depth` callers up: a self-time
 * summary names `crc32c`, this says whose (the WAL frame or the produce-side batch check).
 */
export function heaviestPath(profile: CpuProfile, frame: string, depth: number): { path: string[]; selfMs: number } | undefined {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byPath = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    if (node === undefined || frameKey(node.callFrame) !== frame) continue;
    const path: string[] = [];
    for (let id = parent.get(node.id); id !== undefined && path.length < depth; id = parent.get(id)) {
      const cf = byId.get(id)?.callFrame;
      if (cf !== undefined && !NO_CALLERS.has(cf.functionName)) path.push(cf.functionName || '(anonymous)');
    }
    const key = path.join(' < ');
    byPath.set(key, (byPath.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const best = [...byPath.entries()].sort((a, b) => b[1] - a[1])[0];
  return best === undefined ? undefined : { path: best[0] === '' ? [] : best[0].split(' < '), selfMs: Math.round(best[1] / 1000) };
}

export function summariseProfile(profile: CpuProfile, top: number): { totalMs: number; frames: FrameTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (node === undefined) continue;
    totalUs += dt;
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const frames = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, selfMs: Math.round(us / 1000), percent: totalUs === 0 ? 0 : Math.round((us / totalUs) * 1000) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), frames };
}

/** How many of the top frames get their heaviest caller path printed. */
const CALLERS_FOR_TOP = 12;

export async function summariseProfileFile(path: string, top = 25): Promise<string> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const { totalMs, frames } = summariseProfile(profile, top);
  const lines = frames.map((f, i) => {
    const line = `${f.percent.toFixed(1).padStart(5)}%  ${String(f.selfMs).padStart(7)} ms  ${f.frame}`;
    // Callers for the heaviest frames only: the line is for reading, not for every row.
    const via = i < CALLERS_FOR_TOP && !NO_CALLERS.has(f.frame.split(' ')[0] ?? '') ? heaviestPath(profile, f.frame, 6) : undefined;
    return via === undefined || via.path.length === 0 ? line : `${line}\n${' '.repeat(18)}${via.selfMs} ms via ${via.path.join(' < ')}`;
  });
  return [`${path}: ${totalMs} ms sampled`, ...lines].join('\n');
}

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

export function summariseProfile(profile: CpuProfile, top: number): { totalMs: number; frames: FrameTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (node === undefined) continue;
    totalUs += dt;
    const cf = node.callFrame;
    const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
    const key = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const frames = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, selfMs: Math.round(us / 1000), percent: totalUs === 0 ? 0 : Math.round((us / totalUs) * 1000) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), frames };
}

export async function summariseProfileFile(path: string, top = 25): Promise<string> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const { totalMs, frames } = summariseProfile(profile, top);
  return [`${path}: ${totalMs} ms sampled`, ...frames.map((f) => `${f.percent.toFixed(1).padStart(5)}%  ${String(f.selfMs).padStart(7)} ms  ${f.frame}`)].join('\n');
}

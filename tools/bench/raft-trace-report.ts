import type { TraceEvent, TracePoint } from '../../src/raft/driver/trace.js';

/**
 * Turns the trace events of a one-proposal-at-a-time run (leader and followers, one group) into
 * the median time of each step of a proposal's way (bench-only; docs/raft-driver.md, "Tracing one
 * proposal"). Times are on the machine-wide monotonic clock, so steps between processes are
 * one-way delivery times.
 */

type IoPoint = 'ioWriteStart' | 'ioWriteEnd' | 'ioSyncStart' | 'ioSyncEnd';
const IO_POINTS: readonly IoPoint[] = ['ioWriteStart', 'ioWriteEnd', 'ioSyncStart', 'ioSyncEnd'];

/** One node's events: the first mark of each point per index, and its file-layer calls in time order. */
class NodeTrace {
  private readonly first = new Map<string, number>();
  private readonly io = new Map<IoPoint, number[]>(IO_POINTS.map((p) => [p, []]));

  constructor(events: readonly TraceEvent[], group: string) {
    for (const e of events) {
      const io = this.io.get(e.point as IoPoint);
      if (io !== undefined) io.push(e.atMs);
      else if (e.group === group && !this.first.has(`${e.point}:${e.index}`)) this.first.set(`${e.point}:${e.index}`, e.atMs);
    }
  }

  at(point: TracePoint, index: number): number | undefined {
    return this.first.get(`${point}:${index}`);
  }

  /** The write and fdatasync that made a round durable between `from` and `to` (the last sync to end in it). */
  round(from: number, to: number): Record<IoPoint, number> | undefined {
    const syncEnd = lastIn(this.io.get('ioSyncEnd'), from, to);
    if (syncEnd === undefined) return undefined;
    const syncStart = lastIn(this.io.get('ioSyncStart'), from, syncEnd);
    const writeEnd = syncStart === undefined ? undefined : lastIn(this.io.get('ioWriteEnd'), from, syncStart);
    const writeStart = writeEnd === undefined ? undefined : lastIn(this.io.get('ioWriteStart'), from, writeEnd);
    if (syncStart === undefined || writeEnd === undefined || writeStart === undefined) return undefined;
    return { ioWriteStart: writeStart, ioWriteEnd: writeEnd, ioSyncStart: syncStart, ioSyncEnd: syncEnd };
  }
}

function lastIn(sorted: readonly number[] | undefined, from: number, to: number): number | undefined {
  let found: number | undefined;
  for (const t of sorted ?? []) {
    if (t > to) break;
    if (t >= from) found = t;
  }
  return found;
}

/** Named instants of one proposal; a step is the time between two consecutive ones. */
type Timeline = Map<string, number>;

function timeline(leader: NodeTrace, followers: readonly NodeTrace[], index: number): Timeline | undefined {
  const t: Timeline = new Map();
  const put = (name: string, at: number | undefined): void => void (at !== undefined && t.set(name, at));
  put('L propose', leader.at('propose', index));
  put('L collect', leader.at('collect', index));
  put('L sendApp', leader.at('sendApp', index));
  // The acknowledgement that counts is the one that reached the leader first: the follower that sent first.
  const acks = followers.map((f) => ({ f, sent: f.at('sendResp', index) })).filter((x) => x.sent !== undefined);
  acks.sort((a, b) => (a.sent as number) - (b.sent as number));
  const f = acks[0]?.f;
  if (f === undefined) return undefined;
  put('F recvApp', f.at('recvApp', index));
  put('F collect', f.at('collect', index));
  addRound(t, 'F', f, f.at('collect', index), f.at('durable', index));
  put('F durable', f.at('durable', index));
  put('F sendResp', f.at('sendResp', index));
  put('L recvResp', leader.at('recvResp', index));
  put('L collectCommit', leader.at('collectCommit', index));
  put('L resolved', leader.at('resolved', index));
  // The leader's own write runs beside the follower path (§10.2.1); kept apart from the chain.
  addRound(t, 'L', leader, leader.at('collect', index), leader.at('durable', index));
  put('L durable', leader.at('durable', index));
  put('L next propose', leader.at('propose', index + 1));
  return t;
}

function addRound(t: Timeline, who: string, n: NodeTrace, from: number | undefined, to: number | undefined): void {
  if (from === undefined || to === undefined) return;
  const r = n.round(from, to);
  if (r === undefined) return;
  for (const p of IO_POINTS) t.set(`${who} ${p}`, r[p]);
}

const FOLLOWER_PATH = [
  'L propose',
  'L collect',
  'L sendApp',
  'F recvApp',
  'F collect',
  'F ioWriteStart',
  'F ioWriteEnd',
  'F ioSyncStart',
  'F ioSyncEnd',
  'F durable',
  'F sendResp',
  'L recvResp',
  'L collectCommit',
  'L resolved',
  'L next propose',
];
const LEADER_PATH = ['L collect', 'L ioWriteStart', 'L ioWriteEnd', 'L ioSyncStart', 'L ioSyncEnd', 'L durable'];

export interface TraceStep {
  from: string;
  to: string;
  p50Ms: number;
  p90Ms: number;
  samples: number;
}

export interface TraceBreakdown {
  proposals: number;
  /** The follower path from proposal to resolution, step by step. */
  followerPath: TraceStep[];
  /** The leader's own write, from its drain's collect. */
  leaderWrite: TraceStep[];
  /** Proposals whose commit waited for the leader's own write (its durable came after the first ack). */
  leaderWriteLast: number;
  /** Commit collected after max(leader durable, first ack): the wait before the committing drain. */
  commitAfterBoth: TraceStep;
  /** propose → resolved on the leader. */
  total: TraceStep;
}

/** Breaks down every proposal of `group` whose way is fully traced. */
export function traceBreakdown(leaderEvents: readonly TraceEvent[], followerEvents: ReadonlyArray<readonly TraceEvent[]>, group: string): TraceBreakdown {
  const leader = new NodeTrace(leaderEvents, group);
  const followers = followerEvents.map((e) => new NodeTrace(e, group));
  const lines: Timeline[] = [];
  for (const e of leaderEvents) {
    if (e.point !== 'propose' || e.group !== group) continue;
    const t = timeline(leader, followers, e.index);
    if (t !== undefined) lines.push(t);
  }
  const step = (from: string, to: string): TraceStep => stepOf(lines, from, to);
  const both = lines.map((t) => {
    const d = t.get('L durable');
    const r = t.get('L recvResp');
    const c = t.get('L collectCommit');
    return d === undefined || r === undefined || c === undefined ? undefined : { leaderLast: d > r, wait: c - Math.max(d, r) };
  });
  const known = both.filter((b) => b !== undefined);
  return {
    proposals: lines.length,
    followerPath: pairs(FOLLOWER_PATH).map(([a, b]) => step(a, b)),
    leaderWrite: pairs(LEADER_PATH).map(([a, b]) => step(a, b)),
    leaderWriteLast: known.filter((b) => b.leaderLast).length,
    commitAfterBoth: summary('max(L durable, L recvResp)', 'L collectCommit', known.map((b) => b.wait)),
    total: step('L propose', 'L resolved'),
  };
}

function pairs(names: readonly string[]): Array<[string, string]> {
  return names.slice(1).map((n, i) => [names[i] as string, n]);
}

function stepOf(lines: readonly Timeline[], from: string, to: string): TraceStep {
  const ds: number[] = [];
  for (const t of lines) {
    const a = t.get(from);
    const b = t.get(to);
    if (a !== undefined && b !== undefined) ds.push(b - a);
  }
  return summary(from, to, ds);
}

function summary(from: string, to: string, ds: number[]): TraceStep {
  const sorted = [...ds].sort((a, b) => a - b);
  const q = (p: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN) * 1000) / 1000;
  return { from, to, p50Ms: q(0.5), p90Ms: q(0.9), samples: sorted.length };
}

/** One line per step, for the bench's report. */
export function formatTraceBreakdown(b: TraceBreakdown): string[] {
  const line = (s: TraceStep): string => `  ${`${s.from} -> ${s.to}`.padEnd(48)} p50 ${s.p50Ms.toFixed(3)} ms  p90 ${s.p90Ms.toFixed(3)} ms  (${s.samples})`;
  return [
    `trace of ${b.proposals} proposals (one outstanding), first acknowledging follower's path:`,
    ...b.followerPath.map(line),
    `leader's own write:`,
    ...b.leaderWrite.map(line),
    `commit waited for the leader's own write in ${b.leaderWriteLast} of them; committing drain after both:`,
    line(b.commitAfterBoth),
    line(b.total),
  ];
}

/**
 * CPU and RSS of broker processes, sampled from /proc/<pid>/stat and /proc/<pid>/status on a timer
 * tick while a scenario runs, and the CPU of the main thread alone (/proc/<pid>/task/<pid>/stat):
 * the event loop runs there, so near 100% means the broker is bound by it, while the rest of the
 * process CPU is V8's GC helpers and libuv's pool. Linux only; elsewhere the samples stay empty.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ProcSample, ServerUsage } from './types.js';

/** Linux USER_HZ: utime/stime in /proc/<pid>/stat are in these ticks on every mainstream kernel. */
const CLOCK_TICKS_PER_SEC = 100;
const MAX_SAMPLES = 10_000;

interface Target {
  node: number;
  pid: number;
}

interface Cursor {
  cpuTicks: number;
  mainTicks: number;
  /** Undefined where /proc does not give them (then no total is kept for the node). */
  contextSwitches: number | undefined;
  syscalls: number | undefined;
  atMs: number;
}

/** Counters summed per node across its pids (a restarted node starts new ones). */
interface Totals {
  cpuTicks: number;
  contextSwitches: number;
  syscalls: number;
}

/** utime + stime of a process (`/proc/<pid>/stat`) or of one thread (`/proc/<pid>/task/<tid>/stat`). */
function readCpuTicks(statPath: string): number | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // The command name may contain spaces: fields are counted after the closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Voluntary + involuntary context switches of every live thread of `pid`. A thread that exited
 * between two ticks takes its count with it: the broker's threads (main, libuv's pool, V8's
 * platform workers) live as long as the process.
 */
function readContextSwitches(pid: number): number | undefined {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      for (const m of status.matchAll(/ctxt_switches:\s+(\d+)/g)) total += Number(m[1]);
    }
    return total;
  } catch {
    return undefined;
  }
}

/** Read- and write-family syscalls of the whole process (`/proc/<pid>/io` syscr + syscw). */
function readRwSyscalls(pid: number): number | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const r = /syscr:\s+(\d+)/.exec(io)?.[1];
    const w = /syscw:\s+(\d+)/.exec(io)?.[1];
    return r === undefined || w === undefined ? undefined : Number(r) + Number(w);
  } catch {
    return undefined;
  }
}

function readRssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Targets are re-read on every tick, so a node restarted mid-scenario (failover) is followed under
 * its new pid; CPU is only computed between two readings of the same pid.
 */
export class ProcSampler {
  private readonly samples = new Map<number, ProcSample[]>();
  private readonly cursors = new Map<number, Cursor & { pid: number }>();
  private readonly startMs = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly nodes = new Set<number>();
  /** Per node, summed over the sampler's life (across restarts): idle phases add nothing. */
  private readonly totals = new Map<number, Totals>();

  constructor(private readonly targets: () => readonly Target[], intervalMs = 500) {
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  private tick(): void {
    const now = performance.now();
    for (const t of this.targets()) {
      this.nodes.add(t.node);
      const cpuTicks = readCpuTicks(`/proc/${t.pid}/stat`);
      const mainTicks = readCpuTicks(`/proc/${t.pid}/task/${t.pid}/stat`);
      const rssMb = readRssMb(t.pid);
      if (cpuTicks === undefined || mainTicks === undefined || rssMb === undefined) continue;
      const cursor = { pid: t.pid, cpuTicks, mainTicks, contextSwitches: readContextSwitches(t.pid), syscalls: readRwSyscalls(t.pid), atMs: now };
      const prev = this.cursors.get(t.node);
      this.cursors.set(t.node, cursor);
      if (prev === undefined || prev.pid !== t.pid || now <= prev.atMs) continue;
      this.addTotals(t.node, prev, cursor);
      const list = this.samples.get(t.node) ?? [];
      this.samples.set(t.node, list);
      const percent = (ticks: number): number => round1((ticks / CLOCK_TICKS_PER_SEC / ((now - prev.atMs) / 1000)) * 100);
      if (list.length < MAX_SAMPLES) {
        list.push({ tMs: Math.round(now - this.startMs), cpuPercent: percent(cpuTicks - prev.cpuTicks), mainThreadPercent: percent(mainTicks - prev.mainTicks), rssMb: round1(rssMb) });
      }
    }
  }

  /** NaN marks a counter that was missing once: the node then reports no total for it. */
  private addTotals(node: number, prev: Cursor, now: Cursor): void {
    const t = this.totals.get(node) ?? { cpuTicks: 0, contextSwitches: 0, syscalls: 0 };
    this.totals.set(node, {
      cpuTicks: t.cpuTicks + now.cpuTicks - prev.cpuTicks,
      contextSwitches: t.contextSwitches + (now.contextSwitches ?? NaN) - (prev.contextSwitches ?? NaN),
      syscalls: t.syscalls + (now.syscalls ?? NaN) - (prev.syscalls ?? NaN),
    });
  }

  stop(): ServerUsage[] {
    this.tick();
    clearInterval(this.timer);
    return [...this.nodes].sort((a, b) => a - b).map((node) => {
      const t = this.totals.get(node);
      return {
        ...summarise(node, this.samples.get(node) ?? []),
        cpuSeconds: (t?.cpuTicks ?? 0) / CLOCK_TICKS_PER_SEC,
        ...(t === undefined || Number.isNaN(t.contextSwitches) ? {} : { contextSwitches: t.contextSwitches }),
        ...(t === undefined || Number.isNaN(t.syscalls) ? {} : { readWriteSyscalls: t.syscalls }),
      };
    });
  }
}

function summarise(node: number, samples: ProcSample[]): ServerUsage {
  const cpu = samples.map((s) => s.cpuPercent);
  return {
    node,
    cpuPercentAvg: round1(mean(cpu)),
    mainThreadPercentAvg: round1(mean(samples.map((s) => s.mainThreadPercent ?? 0))),
    cpuPercentMax: round1(Math.max(0, ...cpu)),
    rssMbMax: round1(Math.max(0, ...samples.map((s) => s.rssMb))),
    samples,
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Shapes shared by the bench scenarios, the report renderers and the JSON file. */

export interface LatencyPercentiles {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Latency of the samples sent within one bucket (tMs from the start of the measurement). */
export interface LatencyBucket {
  tMs: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ProcSample {
  tMs: number;
  cpuPercent: number;
  /** The main thread alone (the event loop), % of one core; absent in results before 2026-11-27 22:00. */
  mainThreadPercent?: number;
  rssMb: number;
}

/** One broker process over one scenario: CPU in % of one core, RSS from /proc/<pid>/status. */
export interface ServerUsage {
  node: number;
  cpuPercentAvg: number;
  /** CPU time used over the whole scenario (absent in results before 2026-11-27 22:10). */
  cpuSeconds?: number;
  /** The main thread's share of cpuPercentAvg: near 100 means the event loop is the limit. */
  mainThreadPercentAvg?: number;
  cpuPercentMax: number;
  rssMbMax: number;
  /**
   * Context switches of all the process's threads over the scenario (voluntary + involuntary, from
   * /proc/<pid>/task/<tid>/status), and its read- and write-family syscalls (/proc/<pid>/io syscr
   * + syscw). Divided by the messages, the steadiest figure of a broker's per-message cost on a
   * shared machine (absent in results before 2026-11-28 03:30).
   */
  contextSwitches?: number;
  readWriteSyscalls?: number;
  samples: ProcSample[];
}

export interface ScenarioResult {
  name: string;
  title: string;
  client: string;
  nodes: number;
  params: Record<string, string | number | boolean>;
  messages: number;
  bytes: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
  latency?: LatencyPercentiles;
  latencyOverTime?: LatencyBucket[];
  servers: ServerUsage[];
  /** 1-minute load average when the scenario ended: on a shared machine it explains most variance. */
  loadavg1m?: number;
  /** Anything the scenario wants to record besides the common figures. */
  extra?: Record<string, unknown>;
  error?: string;
}

export interface DiskRow {
  entryBytes: number;
  opsPerSec: number;
  mbPerSec: number;
}

export interface PhysicalLimits {
  dataDir: string;
  disk: DiskRow[];
  tcpMbPerSec: number;
  tcpRttP50Us: number;
  tcpRttP99Us: number;
  /** The full runNetBench result, for the record. */
  net: unknown;
}

export interface TargetResult {
  name: string;
  value: number | undefined;
  unit: string;
  comparator: '>=' | '<=';
  threshold: number;
  /** value / threshold (for >=) or threshold / value (for <=): ≥ 1 means the target is met. */
  ratio: number | undefined;
  pass: boolean;
  basis: string;
}

export interface BenchReport {
  format: 'chronik-bench/1';
  startedAt: string;
  finishedAt: string;
  argv: string[];
  params: Record<string, string | number | boolean>;
  versions: Record<string, string>;
  machine: Record<string, string | number | number[]>;
  physical?: PhysicalLimits;
  scenarios: ScenarioResult[];
  micro: Record<string, unknown>;
  targets: TargetResult[];
  errors: string[];
}

export const MIB = 1024 * 1024;
export const KIB = 1024;

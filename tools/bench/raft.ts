/**
 * Raft benchmark: three RaftHosts in three separate node processes on loopback (real TCP, real WAL
 * with fsync), driven over IPC by this process. Measures, in one run:
 *   - the floor: loopback RTT between two processes and one 1 KiB write + fdatasync;
 *   - one 3-voter group, 1 KiB entries: commit latency with one proposal at a time, then committed
 *     proposals/s with a window of outstanding proposals;
 *   - 100 groups (leaders spread over the nodes): aggregate committed 1 KiB entries/s;
 *   - 1,000 idle groups: CPU per node process over an idle period (process.cpuUsage).
 *   - paced (opt-in): 100 groups, one proposal at a time each with 50 ms between a commit and the
 *     next proposal (~2,000 entries/s in all): the driver's work per entry when groups are busy
 *     but never back to back (--commit-notices on|off sets the groups' option).
 *   - wire (opt-in, in this process, no disk or socket): CPU per 1 KiB entry of the replication
 *     wire path (frame build, transport framing and CRC, decoding from 64 KiB reads, frame decode)
 *     and of a proposal's tracking (promises made, resolved, awaited): the parts of the cost per
 *     committed entry that a loaded machine cannot blur.
 *
 *   node dist/tools/bench/raft.js [--seconds N] [--fsync always|never] [--idle-groups N]
 *        [--only single,multi,paced,idle,wire] [--slices N] [--cpu-prof DIR [--heap-prof]] [--heartbeat-ticks N]
 *        [--trace] [--sync-mode fdatasync|dsync] [--commit-notices on|off]
 *
 * --slices N repeats the one-outstanding latency phase N times, each slice next to its own RTT and
 * fdatasync probe, and reports the range of the ratio to the target: on a shared machine the
 * floor moves from second to second, so only same-moment ratios mean anything.
 * --cpu-prof DIR writes one V8 CPU profile per node and load/idle phase (only that phase's
 * samples, taken with the inspector in the node process) and prints each profile's top frames.
 * With --heap-prof they are allocation-sampling profiles (DIR/<phase>-node<N>.heapprofile, objects
 * already collected included) instead, not summarised here.
 * --trace marks every step of each proposal of the latency slices in the node processes (the
 * driver's RaftTracer, and the WAL's writes and fdatasyncs through a file layer that times them)
 * and prints the median of each step (tools/bench/raft-trace-report.ts). Every run counts, per
 * committed entry, each node's fdatasyncs (WAL file layer) and synced LevelDB writes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, type PerformanceEntry, type PerformanceObserverEntryList } from 'node:perf_hooks';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { EntryType } from '../../src/raft/core/index.js';
import { message, MessageType, type Entry, type Message } from '../../src/raft/core/index.js';
import { decodeFrame, FrameBuilder, LatencyReservoir, RaftHost, type GroupStateMachine } from '../../src/raft/driver/index.js';
import { TraceRecorder, type RaftTracer, type TraceEvent } from '../../src/raft/driver/trace.js';
import { formatTraceBreakdown, traceBreakdown, type TraceBreakdown } from './raft-trace-report.js';
import { ClassicLevel } from 'classic-level';
import type { RangeOptions, WalBatchOp } from '../../src/wal/context.js';
import { ProposalTracker } from '../../src/raft/driver/proposals.js';
import { encodeFrame, FrameDecoder, FrameKind, NodeTransport, type PeerAddress } from '../../src/raft/transport/index.js';
import { DEFAULT_SYNC_MODE, ForwardingFileIO, NodeFileIO, WalStore, type FileHandle, type FileIO, type SyncMode, type WalDb } from '../../src/wal/index.js';
import { assert } from '../../src/util/assert.js';
import { summariseProfileFile } from './report/cpuprofile.js';

export interface RaftBenchOptions {
  /** Seconds per load phase. Default 3. */
  seconds?: number;
  fsync?: 'always' | 'never';
  entryBytes?: number;
  /** Outstanding proposals for the single-group throughput phase. Default 256. */
  singleWindow?: number;
  /** Groups and per-group window of the multi-group phase. Defaults 100 and 32. */
  groups?: number;
  groupWindow?: number;
  idleGroups?: number;
  idleSeconds?: number;
  /** Phases to run. Default all three. */
  phases?: Phase[];
  /** One-outstanding latency slices, each with its own floor probe. Default 1. */
  slices?: number;
  /** Directory for per-phase CPU profiles of the node processes; none when absent. */
  cpuProfDir?: string;
  /** With cpuProfDir: write allocation-sampling profiles (.heapprofile) instead of CPU profiles. */
  heapProf?: boolean;
  /** Leaders' heartbeat period in ticks of 100 ms. Default 3, the node's (`raft.heartbeat.ticks`). */
  heartbeatTicks?: number;
  /** Trace each proposal of the latency slices step by step (see the header). Default false. */
  trace?: boolean;
  /** The WAL stores' sync mode (WalStoreOptions.syncMode). Default the WAL's default. */
  syncMode?: SyncMode;
  /** The groups' AddGroupOptions.commitNotices. Default true (the driver's default). */
  commitNotices?: boolean;
}

export type Phase = 'single' | 'multi' | 'paced' | 'idle' | 'wire';

/** Driver counters per committed entry on the busiest node (how much work batching saved). */
export interface PerEntry {
  drains: number;
  fsyncRounds: number;
  framesSent: number;
  /** fdatasyncs of WAL files (segments), summed over the nodes. */
  datasyncs?: number;
  /** Synced LevelDB writes (hard states, snapshots, WAL metadata), summed over the nodes. */
  dbSyncWrites?: number;
  /** All LevelDB writes (synced or not: commit-index hints, WAL index batches), summed over the nodes. */
  dbWrites?: number;
  /** Raft messages sent (heartbeats not counted), summed over the nodes. */
  messages?: number;
  /**
   * Context switches (voluntary and not) of every thread of the node processes, from
   * /proc/self/task/<tid>/status: each is a wake-up or preemption, which on the shared 2-vCPU VM
   * is where most of a node's CPU goes (kernel scheduling). Absent where /proc is not Linux's.
   */
  ctxSwitches?: number;
  /**
   * Garbage-collection pauses of the node processes' main threads (perf_hooks 'gc' entries), in
   * microseconds per committed entry. Wall time: a pause the scheduler preempts reads long (three
   * processes share two cores), and V8's concurrent marking on helper threads is not in it, so it
   * is an indication of the collector's share of cpuUs, not a part of it.
   */
  gcUs?: number;
  /**
   * CPU of the three node processes (process.cpuUsage: every thread, user + system) over the load
   * phase, in microseconds per committed entry. Throughput on a shared machine moves with everyone
   * else's load; CPU per entry much less, so before/after comparisons use it.
   */
  cpuUs?: number;
}

export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

/** One latency slice: commit p50 next to the floor measured just before it. */
export interface LatencySlice {
  rttP50Ms: number;
  fdatasyncP50Ms: number;
  commitP50Ms: number;
  /** commit p50 / (2 × (RTT + fdatasync)): at most 1 meets the target. */
  ratio: number;
}

export interface RaftBenchResult {
  processes: 3;
  fsync: 'always' | 'never';
  syncMode?: SyncMode;
  /** Absent in results recorded before the option existed (they had notices on). */
  commitNotices?: boolean;
  entryBytes: number;
  /** Absent in results recorded before the option existed (they ran 2). */
  heartbeatTicks?: number;
  loopbackRtt: LatencySummary;
  fdatasync: LatencySummary;
  single?: {
    latency: LatencySummary;
    committedPerSec: number;
    windowLatency: LatencySummary;
    window: number;
    slices: LatencySlice[];
    perEntry: PerEntry;
    /** Each node's work per commit with one proposal outstanding (the leader first), median slice. */
    latencyPerNode?: PerEntry[];
    /** Step-by-step breakdown of the median slice (--trace). */
    trace?: TraceBreakdown;
  };
  multi?: { groups: number; window: number; committedPerSec: number; latency: LatencySummary; perEntry: PerEntry };
  /** --only paced: `groups` groups, one proposal at a time each, `paceMs` between a commit and the next proposal. */
  paced?: { groups: number; paceMs: number; committedPerSec: number; latency: LatencySummary; perEntry: PerEntry };
  idle?: { groups: number; seconds: number; cpuPercentPerNode: number[] };
  /** CPU microseconds per entry, median of WIRE_ROUNDS rounds (in-process, see the header). */
  wire?: { sendReceiveUs: number; proposalUs: number };
  /** Top frames of each CPU profile written (--cpu-prof). */
  profiles?: string[];
}

// ---- IPC protocol between the driver (this process) and the three node workers ----

type Command =
  | { type: 'init'; nodeId: number; dir: string; fsync: 'always' | 'never'; cpuProfDir: string | undefined; heapProf: boolean; heartbeatTicks: number; trace: boolean; syncMode: SyncMode; commitNotices: boolean }
  | { type: 'trace' }
  | { type: 'peers'; addresses: Array<[number, PeerAddress]> }
  | { type: 'add'; groups: string[] }
  | { type: 'campaign'; groups: string[] }
  | { type: 'load'; groups: string[]; seconds: number; entryBytes: number; window: number; paceMs?: number }
  | { type: 'remove'; groups: string[] }
  | { type: 'idle'; seconds: number }
  | { type: 'echo' }
  | { type: 'stop' };

type Reply =
  | { type: 'listening'; port: number }
  | { type: 'ok' }
  | { type: 'loaded'; committed: number; elapsedMs: number; p50Ms: number; p99Ms: number; samples: number; counters: Counters; cpuUs: number; gcUs: number; profile: string | undefined }
  | { type: 'idled'; cpuPercent: number; profile: string | undefined }
  | { type: 'echoing'; port: number }
  | { type: 'traced'; events: TraceEvent[] }
  | { type: 'error'; message: string };

const PHASE_TIMEOUT_MS = 120_000;

interface Counters {
  drains: number;
  fsyncRounds: number;
  frames: number;
  messages: number;
  ctxSwitches: number;
  datasyncs: number;
  dbSyncWrites: number;
  dbWrites: number;
}

/** What the node's file layer and LevelDB were asked to make durable. */
interface SyncCounts {
  datasyncs: number;
  dbSyncWrites: number;
  dbWrites: number;
}

/** Counts the WAL's fdatasyncs and, with a tracer, marks the start and end of every write and fdatasync. */
class ObservedFileIO extends ForwardingFileIO {
  constructor(
    inner: FileIO,
    private readonly counts: SyncCounts,
    private readonly tracer: RaftTracer | undefined,
  ) {
    super(inner);
  }
  override write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    const t = this.tracer;
    if (t === undefined) return this.inner.write(fd, buffers, position);
    t.mark('ioWriteStart', '', 0);
    return this.inner.write(fd, buffers, position).then(() => t.mark('ioWriteEnd', '', 0));
  }
  override datasync(fd: FileHandle): Promise<void> {
    this.counts.datasyncs++;
    const t = this.tracer;
    if (t === undefined) return this.inner.datasync(fd);
    t.mark('ioSyncStart', '', 0);
    return this.inner.datasync(fd).then(() => t.mark('ioSyncEnd', '', 0));
  }
}

/** The node's LevelDB, counting the writes made with `sync` (each one an fsync of LevelDB's log). */
class CountingDb implements WalDb {
  constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly counts: SyncCounts,
  ) {}
  get status(): string {
    return this.db.status;
  }
  open(): Promise<void> {
    return this.db.open();
  }
  close(): Promise<void> {
    return this.db.close();
  }
  get(key: Buffer): Promise<Buffer | undefined> {
    return this.db.get(key);
  }
  put(key: Buffer, value: Buffer, opts?: { sync?: boolean }): Promise<void> {
    this.counts.dbWrites++;
    if (opts?.sync === true) this.counts.dbSyncWrites++;
    return this.db.put(key, value, opts ?? {});
  }
  del(key: Buffer): Promise<void> {
    return this.db.del(key);
  }
  batch(ops: WalBatchOp[], opts?: { sync?: boolean }): Promise<void> {
    this.counts.dbWrites++;
    if (opts?.sync === true) this.counts.dbSyncWrites++;
    return this.db.batch(ops, opts ?? {});
  }
  iterator(options: RangeOptions): AsyncIterable<[Buffer, Buffer]> {
    return this.db.iterator(options);
  }
  keys(options: RangeOptions): AsyncIterable<Buffer> {
    return this.db.keys(options);
  }
  values(options: RangeOptions): AsyncIterable<Buffer> {
    return this.db.values(options);
  }
  clear(options: RangeOptions): Promise<void> {
    return this.db.clear(options);
  }
}

/** Applies nothing: the benchmark measures replication, not a state machine. */
class NullMachine implements GroupStateMachine {
  private applied = 0;
  apply(entries: { index: number }[]): void {
    const last = entries[entries.length - 1];
    if (last !== undefined) this.applied = last.index;
  }
  appliedIndex(): number {
    return this.applied;
  }
  snapshot(): undefined {
    return undefined;
  }
  restore(_data: Uint8Array, index: number): void {
    this.applied = index;
  }
}

// ---- worker side ----

interface Worker {
  nodeId: number;
  wal: WalStore;
  transport: NodeTransport;
  host: RaftHost;
  echo: Server | undefined;
  cpuProfDir: string | undefined;
  /** --heap-prof: the phases' profiles sample allocations instead of CPU. */
  heapProf: boolean;
  counts: SyncCounts;
  tracer: TraceRecorder | undefined;
  /** Passed to the WAL store, which does not close a database it was given. */
  db: CountingDb;
  commitNotices: boolean;
}

function counters(w: Worker): Counters {
  const { host, counts } = w;
  const peers = Object.values(host.stats.peers);
  const frames = peers.reduce((sum, p) => sum + p.frames, 0);
  const messages = peers.reduce((sum, p) => sum + p.messages, 0);
  return { drains: host.stats.drains, fsyncRounds: host.stats.fsyncRounds, frames, messages, ctxSwitches: contextSwitches(), ...counts };
}

/** Context switches of all this process's threads so far (0 without Linux's /proc). */
function contextSwitches(): number {
  let total = 0;
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const status = readFileSync(`/proc/self/task/${tid}/status`, 'latin1');
      for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) total += Number(m[1]);
    }
  } catch {
    // A thread that exited between the listing and the read, or no /proc: counted as nothing.
  }
  return total;
}

function countersSince(before: Counters, w: Worker): Counters {
  const now = counters(w);
  const since = (k: keyof Counters): number => now[k] - before[k];
  return {
    drains: since('drains'),
    fsyncRounds: since('fsyncRounds'),
    frames: since('frames'),
    messages: since('messages'),
    ctxSwitches: since('ctxSwitches'),
    datasyncs: since('datasyncs'),
    dbSyncWrites: since('dbSyncWrites'),
    dbWrites: since('dbWrites'),
  };
}

/**
 * Samples this process's CPU while `run` runs (inspector, so only the phase is in the profile);
 * writes the profile to `dir` and returns its path. Without a dir it just runs.
 */
async function profiled<T>(w: Pick<Worker, 'cpuProfDir' | 'heapProf'>, name: string, run: () => Promise<T>): Promise<{ result: T; profile: string | undefined }> {
  const dir = w.cpuProfDir;
  if (dir === undefined) return { result: await run(), profile: undefined };
  const session = new Session();
  session.connect();
  try {
    if (w.heapProf) return await heapProfiled(session, join(dir, `${name}.heapprofile`), run);
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const result = await run();
    const { profile } = await session.post('Profiler.stop');
    const path = join(dir, `${name}.cpuprofile`);
    await writeFile(path, JSON.stringify(profile));
    return { result, profile: path };
  } finally {
    session.disconnect();
  }
}

/**
 * --heap-prof: V8's sampling heap profiler over the phase, objects the collector has already freed
 * included (what the phase allocated, not what survived it). Its path is not returned: the CPU
 * profile summary cannot read it.
 */
async function heapProfiled<T>(session: Session, path: string, run: () => Promise<T>): Promise<{ result: T; profile: undefined }> {
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const result = await run();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  await writeFile(path, JSON.stringify(profile));
  return { result, profile: undefined };
}

async function workerInit(cmd: Extract<Command, { type: 'init' }>): Promise<{ w: Worker; port: number }> {
  const logger = pino({ level: 'warn' });
  const counts: SyncCounts = { datasyncs: 0, dbSyncWrites: 0, dbWrites: 0 };
  const tracer = cmd.trace ? new TraceRecorder(1_000_000) : undefined;
  const walDir = join(cmd.dir, 'wal');
  await mkdir(walDir, { recursive: true });
  const db = new CountingDb(new ClassicLevel<Buffer, Buffer>(join(walDir, 'index'), { keyEncoding: 'buffer', valueEncoding: 'buffer' }), counts);
  const fileIO = new ObservedFileIO(new NodeFileIO(), counts, tracer);
  const wal = await WalStore.open({ dir: walDir, logger, fsync: cmd.fsync, db, fileIO, syncMode: cmd.syncMode });
  const transport = new NodeTransport({ nodeId: cmd.nodeId, clusterId: 'bench', listen: { host: '127.0.0.1', port: 0 }, peers: new Map(), logger });
  const address = await transport.start();
  const host = new RaftHost({ transport, wal, dataDir: join(cmd.dir, 'raft'), logger, tickMs: 100, heartbeatTicks: cmd.heartbeatTicks, ...(tracer === undefined ? {} : { tracer }) });
  return { w: { nodeId: cmd.nodeId, wal, transport, host, echo: undefined, cpuProfDir: cmd.cpuProfDir, heapProf: cmd.heapProf, counts, tracer, db, commitNotices: cmd.commitNotices }, port: address.port };
}

/**
 * Resolves once every group has a leader (usually this node, which campaigned; a peer whose election
 * timeout fired first may have won some), on leadership events; bounded.
 */
function waitLed(w: Worker, groups: string[], timeoutMs: number): Promise<void> {
  const pending = new Set(groups.filter((g) => w.host.status(g).leader === undefined));
  if (pending.size === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`node ${w.nodeId}: ${pending.size} groups without a leader after ${timeoutMs} ms`));
    }, timeoutMs);
    const off = w.host.onLeaderChange((g, _term, leader) => {
      if (leader !== undefined) pending.delete(g);
      if (pending.size > 0) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Closed-loop load: `window` proposals outstanding per group until the deadline. */
async function workerLoad(w: Worker, cmd: Extract<Command, { type: 'load' }>): Promise<Reply> {
  const payload = new Uint8Array(cmd.entryBytes).fill(7);
  const latencies = new LatencyReservoir(100_000);
  const start = performance.now();
  const end = start + cmd.seconds * 1000;
  let committed = 0;
  const paceMs = cmd.paceMs ?? 0;
  const pump = async (group: string): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await w.host.propose(group, payload, EntryType.NORMAL).committed;
      latencies.add(performance.now() - t0);
      committed++;
      // The paced phase's think time: a producer that sends now and then, not back to back.
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  };
  const before = counters(w);
  const gcPauses = watchGcPauses();
  const cpuBefore = process.cpuUsage();
  const led = cmd.groups.filter((g) => w.host.status(g).role === 'leader');
  const name = `load-${cmd.groups.length}g-w${cmd.window}-node${w.nodeId}-${Date.now()}`;
  const { profile } = await profiled(w, name, async () => {
    const pumps: Array<Promise<void>> = [];
    for (const g of led) for (let i = 0; i < cmd.window; i++) pumps.push(pump(g));
    // A node that leads nothing still follows for the whole phase: its counters and profile cover it.
    if (pumps.length === 0) pumps.push(new Promise((resolve) => setTimeout(resolve, end - performance.now())));
    await Promise.all(pumps);
  });
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const gcUs = gcPauses();
  const c = countersSince(before, w);
  return { type: 'loaded', committed, elapsedMs, p50Ms: latencies.quantile(0.5), p99Ms: latencies.quantile(0.99), samples: latencies.count, counters: c, cpuUs: cpu.user + cpu.system, gcUs, profile };
}

/** Starts summing this thread's GC pauses; the returned function stops and gives the total (us). */
function watchGcPauses(): () => number {
  let us = 0;
  const add = (list: PerformanceObserverEntryList | PerformanceEntry[]): void => {
    for (const e of Array.isArray(list) ? list : list.getEntries()) us += e.duration * 1000;
  };
  const observer = new PerformanceObserver(add);
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    // Entries are delivered asynchronously: take what is still queued before disconnecting.
    add(observer.takeRecords());
    observer.disconnect();
    return us;
  };
}

async function workerIdle(w: Worker, seconds: number): Promise<Reply> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  // The profiler's own sampling costs CPU: a profiled idle figure reads high.
  const { profile } = await profiled(w, `idle-node${w.nodeId}`, () => new Promise((resolve) => setTimeout(resolve, seconds * 1000)));
  const used = process.cpuUsage(before);
  const wallUs = (performance.now() - t0) * 1000;
  return { type: 'idled', cpuPercent: (100 * (used.user + used.system)) / wallUs, profile };
}

async function workerEcho(w: Worker): Promise<Reply> {
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (chunk) => s.write(chunk));
  });
  w.echo = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { type: 'echoing', port: (server.address() as AddressInfo).port };
}

async function workerHandle(state: { w?: Worker }, cmd: Command): Promise<Reply> {
  if (cmd.type === 'init') {
    const { w, port } = await workerInit(cmd);
    state.w = w;
    return { type: 'listening', port };
  }
  const w = state.w;
  if (w === undefined) throw new Error('worker not initialised');
  switch (cmd.type) {
    case 'peers':
      w.transport.setPeers(new Map(cmd.addresses));
      return { type: 'ok' };
    case 'add':
      for (const g of cmd.groups) await w.host.addGroup(g, { logId: g, kind: 'partition', voters: [0, 1, 2], stateMachine: new NullMachine(), commitNotices: w.commitNotices });
      return { type: 'ok' };
    case 'campaign':
      for (const g of cmd.groups) w.host.campaign(g);
      await waitLed(w, cmd.groups, 60_000);
      return { type: 'ok' };
    case 'load':
      return workerLoad(w, cmd);
    case 'remove':
      for (const g of cmd.groups) await w.host.removeGroup(g);
      return { type: 'ok' };
    case 'idle':
      return workerIdle(w, cmd.seconds);
    case 'echo':
      return workerEcho(w);
    case 'trace':
      return { type: 'traced', events: w.tracer?.take() ?? [] };
    case 'stop':
      await w.host.close();
      await w.transport.close();
      await w.wal.close();
      await w.db.close();
      await new Promise<void>((resolve) => (w.echo === undefined ? resolve() : w.echo.close(() => resolve())));
      return { type: 'ok' };
  }
}

function runWorker(): void {
  const state: { w?: Worker } = {};
  // Commands are handled one at a time, in order.
  let chain: Promise<void> = Promise.resolve();
  process.on('message', (cmd: Command) => {
    chain = chain.then(async () => {
      let reply: Reply;
      try {
        reply = await workerHandle(state, cmd);
      } catch (err) {
        reply = { type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      process.send?.(reply);
      if (cmd.type === 'stop') process.disconnect();
    });
  });
}

// ---- driver side ----

class NodeProc {
  private readonly replies: Array<(r: Reply) => void> = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (r: Reply) => this.replies.shift()?.(r));
  }

  /** Sends a command and waits for its reply (bounded). */
  call(cmd: Command, timeoutMs = PHASE_TIMEOUT_MS): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${cmd.type} within ${timeoutMs} ms`)), timeoutMs);
      this.replies.push((r) => {
        clearTimeout(timer);
        if (r.type === 'error') reject(new Error(`worker: ${r.message}`));
        else resolve(r);
      });
      this.child.send(cmd);
    });
  }
}

function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { samples: sorted.length, p50Ms: round(q(0.5)), p99Ms: round(q(0.99)) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** 1 KiB appended and fdatasync'd, `n` times, in the benchmark's directory (same disk as the WAL). */
async function measureFdatasync(dir: string, n: number, bytes: number): Promise<LatencySummary> {
  const fh = await open(join(dir, 'fsync-probe'), 'w');
  const buf = Buffer.alloc(bytes, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fh.write(buf, 0, bytes, i * bytes);
      await fh.datasync();
      samples.push(performance.now() - t0);
    }
  } finally {
    await fh.close();
  }
  return summarise(samples);
}

/** 64-byte ping-pong with another process's echo server: the RTT a Raft round trip pays at least. */
async function measureRtt(port: number, n: number): Promise<LatencySummary> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const ping = Buffer.alloc(64, 2);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    let got = 0;
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer): void => {
        got += chunk.length;
        if (got < ping.length) return;
        socket.off('data', onData);
        resolve();
      };
      socket.on('data', onData);
      socket.write(ping);
    });
    samples.push(performance.now() - t0);
  }
  socket.destroy();
  return summarise(samples);
}

function loaded(r: Reply): Extract<Reply, { type: 'loaded' }> {
  if (r.type !== 'loaded') throw new Error(`unexpected reply ${r.type}`);
  return r;
}

type Options = Required<Omit<RaftBenchOptions, 'cpuProfDir'>> & { cpuProfDir: string | undefined };
type Loaded = Extract<Reply, { type: 'loaded' }>;

async function startNodes(dir: string, o: Options): Promise<NodeProc[]> {
  const script = fileURLToPath(import.meta.url);
  const nodes = [0, 1, 2].map(() => new NodeProc(fork(script, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })));
  const addresses: Array<[number, PeerAddress]> = [];
  for (const [id, n] of nodes.entries()) {
    const r = await n.call({ type: 'init', nodeId: id, dir: join(dir, `node-${id}`), fsync: o.fsync, cpuProfDir: o.cpuProfDir, heapProf: o.heapProf, heartbeatTicks: o.heartbeatTicks, trace: o.trace, syncMode: o.syncMode, commitNotices: o.commitNotices });
    if (r.type !== 'listening') throw new Error('worker did not start');
    addresses.push([id, { host: '127.0.0.1', port: r.port }]);
  }
  await Promise.all(nodes.map((n) => n.call({ type: 'peers', addresses })));
  return nodes;
}

/** Creates groups on all nodes, then makes node i % 3 lead group i. */
async function createGroups(nodes: NodeProc[], groups: string[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.call({ type: 'add', groups })));
  const byLeader: string[][] = [[], [], []];
  groups.forEach((g, i) => byLeader[i % 3]?.push(g));
  await Promise.all(nodes.map((n, i) => n.call({ type: 'campaign', groups: byLeader[i] ?? [] })));
}

/** Loads `groups` on every node (each pumps the groups it leads). */
async function loadEverywhere(nodes: NodeProc[], groups: string[], o: Options, window: number, seconds = o.seconds, paceMs = 0): Promise<Loaded[]> {
  const rs = await Promise.all(nodes.map((n) => n.call({ type: 'load', groups, seconds, entryBytes: o.entryBytes, window, paceMs })));
  return rs.map(loaded);
}

function busiest(rs: Loaded[]): Loaded {
  return rs.reduce((a, b) => (b.committed > a.committed ? b : a));
}

/** Driver work per committed entry, summed over the three nodes (or over `of` only). */
function perEntry(rs: Loaded[], of: Loaded[] = rs): PerEntry {
  const committed = Math.max(1, rs.reduce((sum, r) => sum + r.committed, 0));
  const total = (pick: (c: Counters) => number): number => round(of.reduce((sum, r) => sum + pick(r.counters), 0) / committed);
  const cpuUs = round(of.reduce((sum, r) => sum + r.cpuUs, 0) / committed);
  const gcUs = round(of.reduce((sum, r) => sum + r.gcUs, 0) / committed);
  return {
    drains: total((c) => c.drains),
    fsyncRounds: total((c) => c.fsyncRounds),
    framesSent: total((c) => c.frames),
    messages: total((c) => c.messages),
    ctxSwitches: total((c) => c.ctxSwitches),
    datasyncs: total((c) => c.datasyncs),
    dbSyncWrites: total((c) => c.dbSyncWrites),
    dbWrites: total((c) => c.dbWrites),
    cpuUs,
    gcUs,
  };
}

/** Each node's work per entry committed by the group's leader, the leader first. */
function perNode(rs: Loaded[]): PerEntry[] {
  const ordered = [...rs].sort((a, b) => b.committed - a.committed);
  return ordered.map((r) => perEntry(rs, [r]));
}

/** The step-by-step trace of the slice just run, from every node's recorded events. */
async function sliceTrace(nodes: NodeProc[], all: Loaded[]): Promise<TraceBreakdown> {
  const events = await Promise.all(nodes.map(async (n) => {
    const r = await n.call({ type: 'trace' });
    if (r.type !== 'traced') throw new Error(`unexpected reply ${r.type}`);
    return r.events;
  }));
  const leader = all.indexOf(busiest(all));
  return traceBreakdown(events[leader] ?? [], events.filter((_, i) => i !== leader), 'single');
}

function profilesOf(rs: Array<{ profile: string | undefined }>): string[] {
  return rs.flatMap((r) => (r.profile === undefined ? [] : [r.profile]));
}

interface Floor {
  echoPort: number;
  dir: string;
}

/** One latency slice: the floor probed now, then one proposal at a time for `seconds`. */
interface SliceRun {
  slice: LatencySlice;
  seq: Loaded;
  all: Loaded[];
  trace: TraceBreakdown | undefined;
}

async function latencySlice(nodes: NodeProc[], o: Options, floor: Floor): Promise<SliceRun> {
  const rtt = await measureRtt(floor.echoPort, 500);
  const sync = await measureFdatasync(floor.dir, 100, o.entryBytes);
  // Events of the time before the slice (elections, earlier phases) are dropped.
  if (o.trace) await sliceTrace(nodes, []).catch(() => undefined);
  const all = await loadEverywhere(nodes, ['single'], o, 1);
  const seq = busiest(all);
  const target = 2 * (rtt.p50Ms + sync.p50Ms);
  const trace = o.trace ? await sliceTrace(nodes, all) : undefined;
  return { slice: { rttP50Ms: rtt.p50Ms, fdatasyncP50Ms: sync.p50Ms, commitP50Ms: round(seq.p50Ms), ratio: round(seq.p50Ms / target) }, seq, all, trace };
}

/**
 * Unmeasured load before a measured phase. A phase that starts on just-created groups otherwise
 * measures V8's warm-up (the driver's code still interpreted or baseline-compiled) and the groups'
 * start-up writes: with the full run's 2 s phases, the same build read 1.09 ms single-group p50 and
 * 36.9k/s for 100 groups run that way, 0.75 ms and 50.7k/s standalone with 5 s phases, back to back.
 */
const WARMUP_S = 1;

async function singleGroup(nodes: NodeProc[], o: Options, floor: Floor, profiles: string[]): Promise<NonNullable<RaftBenchResult['single']>> {
  await createGroups(nodes, ['single']);
  await loadEverywhere(nodes, ['single'], o, 1, WARMUP_S);
  const runs: SliceRun[] = [];
  for (let i = 0; i < o.slices; i++) {
    const run = await latencySlice(nodes, o, floor);
    runs.push(run);
    profiles.push(...profilesOf(run.all));
  }
  // The slice with the median ratio stands for the phase; `slices` has them all.
  const median = [...runs].sort((a, b) => a.slice.ratio - b.slice.ratio)[Math.floor(runs.length / 2)];
  if (median === undefined) throw new Error('no latency slice ran');
  const all = await loadEverywhere(nodes, ['single'], o, o.singleWindow);
  profiles.push(...profilesOf(all));
  const win = busiest(all);
  await Promise.all(nodes.map((n) => n.call({ type: 'remove', groups: ['single'] })));
  return {
    latency: { samples: median.seq.samples, p50Ms: round(median.seq.p50Ms), p99Ms: round(median.seq.p99Ms) },
    committedPerSec: Math.round((win.committed * 1000) / win.elapsedMs),
    windowLatency: { samples: win.samples, p50Ms: round(win.p50Ms), p99Ms: round(win.p99Ms) },
    window: o.singleWindow,
    slices: runs.map((r) => r.slice),
    perEntry: perEntry(all),
    latencyPerNode: perNode(median.all),
    ...(median.trace === undefined ? {} : { trace: median.trace }),
  };
}

async function multiGroup(nodes: NodeProc[], o: Options, profiles: string[]): Promise<NonNullable<RaftBenchResult['multi']>> {
  const groups = Array.from({ length: o.groups }, (_, i) => `multi-${i}`);
  await createGroups(nodes, groups);
  await loadEverywhere(nodes, groups, o, o.groupWindow, WARMUP_S);
  const results = await loadEverywhere(nodes, groups, o, o.groupWindow);
  profiles.push(...profilesOf(results));
  await Promise.all(nodes.map((n) => n.call({ type: 'remove', groups })));
  const perSec = results.reduce((sum, r) => sum + (r.committed * 1000) / r.elapsedMs, 0);
  const worst = results.reduce((a, b) => (b.p50Ms > a.p50Ms ? b : a));
  return {
    groups: o.groups,
    window: o.groupWindow,
    committedPerSec: Math.round(perSec),
    latency: { samples: worst.samples, p50Ms: round(worst.p50Ms), p99Ms: round(worst.p99Ms) },
    perEntry: perEntry(results),
  };
}

/** The paced phase: 100 groups, each proposing one entry 50 ms after its previous one committed (~2,000/s in all). */
const PACED_GROUPS = 100;
const PACE_MS = 50;

/**
 * Groups that are busy but never back to back, like a broker's partitions under e2e-3n's 2,000
 * messages/s: each commit's notice cannot ride on a next append, so this is where the groups'
 * commitNotices option shows (compare --commit-notices on and off).
 */
async function pacedGroups(nodes: NodeProc[], o: Options, profiles: string[]): Promise<NonNullable<RaftBenchResult['paced']>> {
  const groups = Array.from({ length: PACED_GROUPS }, (_, i) => `paced-${i}`);
  await createGroups(nodes, groups);
  await loadEverywhere(nodes, groups, o, 1, WARMUP_S, PACE_MS);
  const results = await loadEverywhere(nodes, groups, o, 1, o.seconds, PACE_MS);
  profiles.push(...profilesOf(results));
  await Promise.all(nodes.map((n) => n.call({ type: 'remove', groups })));
  const perSec = results.reduce((sum, r) => sum + (r.committed * 1000) / r.elapsedMs, 0);
  const worst = results.reduce((a, b) => (b.p50Ms > a.p50Ms ? b : a));
  return {
    groups: PACED_GROUPS,
    paceMs: PACE_MS,
    committedPerSec: Math.round(perSec),
    latency: { samples: worst.samples, p50Ms: round(worst.p50Ms), p99Ms: round(worst.p99Ms) },
    perEntry: perEntry(results),
  };
}

/**
 * Between creating the idle groups and measuring them. The designated leaders campaign at once;
 * each group goes quiet a heartbeat (300 ms) after its first entry is committed and acknowledged
 * everywhere, which 1,000 groups reach well within this on a loaded machine.
 */
const IDLE_SETTLE_MS = 2_000;

async function idleGroups(nodes: NodeProc[], o: Options, profiles: string[]): Promise<NonNullable<RaftBenchResult['idle']>> {
  const groups = Array.from({ length: o.idleGroups }, (_, i) => `idle-${i}`);
  await createGroups(nodes, groups);
  // Just created, the groups elect, commit their leaders' first entries and then go quiet: the
  // window measures what they cost once idle, not their start-up.
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
  const results = await Promise.all(nodes.map((n) => n.call({ type: 'idle', seconds: o.idleSeconds })));
  const cpu = results.map((r) => (r.type === 'idled' ? round(r.cpuPercent) : Number.NaN));
  profiles.push(...profilesOf(results.map((r) => (r.type === 'idled' ? r : { profile: undefined }))));
  return { groups: o.idleGroups, seconds: o.idleSeconds, cpuPercentPerNode: cpu };
}

// ---- wire phase (in this process) ----

const WIRE_ROUNDS = 7;
/** One leader drain's appends to one follower: 30 groups x 10 entries, as in the multi phase. */
const WIRE_GROUPS = 30;
const WIRE_ENTRIES = 10;
/** What a TCP read hands the decoder (libuv's default read size). */
const WIRE_READ_BYTES = 64 * 1024;

/** One drain's appends to one follower (built once: the frame builder does not change them). */
function wireMessages(entryBytes: number): Array<[Uint8Array, Message]> {
  const data = new Uint8Array(entryBytes).fill(7);
  return Array.from({ length: WIRE_GROUPS }, (_, g) => {
    const entries: Entry[] = Array.from({ length: WIRE_ENTRIES }, (_, i) => ({ index: 100 + i, term: 5, type: 0, data }));
    return [Buffer.from(`multi-${g}`), message({ type: MessageType.APPEND, from: 1, to: 2, term: 5, logTerm: 5, index: 99, commit: 90, entries })];
  });
}

/**
 * Frames one drain's appends, then receives them in 64 KiB reads and decodes them; returns the CPU
 * microseconds spent in our code. Joining the frame into one stream (the kernel's copy, in the real
 * path) is not counted.
 */
function wireOnce(messages: Array<[Uint8Array, Message]>): number {
  let t = process.cpuUsage();
  const fb = new FrameBuilder();
  for (const [id, m] of messages) fb.add(id, m);
  const parts = encodeFrame(FrameKind.DATA, fb.build());
  let us = cpuUsSince(t);
  const wire = Buffer.concat(parts);
  t = process.cpuUsage();
  const decoder = new FrameDecoder(64 * 1024 * 1024);
  let decoded = 0;
  for (let at = 0; at < wire.byteLength; at += WIRE_READ_BYTES) {
    decoder.push(wire.subarray(at, at + WIRE_READ_BYTES), (_kind, payload) => {
      for (const item of decodeFrame(payload, 1, 2)) decoded += item.message.entries.length;
    });
  }
  us += cpuUsSince(t);
  assert(decoded === WIRE_GROUPS * WIRE_ENTRIES, `decoded ${decoded} entries`);
  return us;
}

/** A leader's tracking of `n` proposals in batches of 32: add, persisted, applied, awaited. */
async function proposalsOnce(n: number): Promise<void> {
  const tracker = new ProposalTracker();
  const data = new Uint8Array(0);
  for (let first = 1; first <= n; first += 32) {
    const batch: Entry[] = Array.from({ length: 32 }, (_, i) => ({ index: first + i, term: 3, type: 0, data }));
    const waits = batch.map((e) => tracker.add(e.index, 3, 0).committed);
    tracker.overwritten(batch);
    tracker.persisted(batch);
    tracker.applied(batch, 1, () => undefined);
    await Promise.all(waits);
  }
}

function cpuUsSince(before: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(before);
  return u.user + u.system;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
}

async function wirePhase(entryBytes: number): Promise<NonNullable<RaftBenchResult['wire']>> {
  const messages = wireMessages(entryBytes);
  const iterations = 200;
  const proposals = 8192;
  const sendReceive: number[] = [];
  const tracking: number[] = [];
  for (let round = 0; round < WIRE_ROUNDS; round++) {
    let us = 0;
    for (let i = 0; i < iterations; i++) us += wireOnce(messages);
    sendReceive.push(us / (iterations * WIRE_GROUPS * WIRE_ENTRIES));
    const t = process.cpuUsage();
    await proposalsOnce(proposals);
    tracking.push(cpuUsSince(t) / proposals);
  }
  // The first rounds run before the JIT has settled; the median ignores them and stray load spikes.
  return { sendReceiveUs: round(median(sendReceive)), proposalUs: round(median(tracking)) };
}

function resolveOptions(opts: RaftBenchOptions): Options {
  return {
    seconds: opts.seconds ?? 3,
    fsync: opts.fsync ?? 'always',
    entryBytes: opts.entryBytes ?? 1024,
    singleWindow: opts.singleWindow ?? 256,
    groups: opts.groups ?? 100,
    groupWindow: opts.groupWindow ?? 32,
    idleGroups: opts.idleGroups ?? 1000,
    idleSeconds: opts.idleSeconds ?? 5,
    phases: opts.phases ?? ['single', 'multi', 'idle'],
    slices: Math.max(1, opts.slices ?? 1),
    cpuProfDir: opts.cpuProfDir,
    heapProf: opts.heapProf ?? false,
    heartbeatTicks: opts.heartbeatTicks ?? 3,
    trace: opts.trace ?? false,
    syncMode: opts.syncMode ?? DEFAULT_SYNC_MODE,
    commitNotices: opts.commitNotices ?? true,
  };
}

export async function runRaftBench(opts: RaftBenchOptions = {}): Promise<RaftBenchResult> {
  const o = resolveOptions(opts);
  const wire = o.phases.includes('wire') ? await wirePhase(o.entryBytes) : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'chronik-raft-bench-'));
  if (o.cpuProfDir !== undefined) await mkdir(o.cpuProfDir, { recursive: true });
  const nodes = await startNodes(dir, o);
  const profiles: string[] = [];
  try {
    const echo = await (nodes[1] as NodeProc).call({ type: 'echo' });
    if (echo.type !== 'echoing') throw new Error('no echo server');
    const loopbackRtt = await measureRtt(echo.port, 2000);
    const fdatasync = await measureFdatasync(dir, 200, o.entryBytes);
    const r: RaftBenchResult = { processes: 3, fsync: o.fsync, syncMode: o.syncMode, commitNotices: o.commitNotices, entryBytes: o.entryBytes, heartbeatTicks: o.heartbeatTicks, loopbackRtt, fdatasync };
    if (wire !== undefined) r.wire = wire;
    if (o.phases.includes('single')) r.single = await singleGroup(nodes, o, { echoPort: echo.port, dir }, profiles);
    if (o.phases.includes('multi')) r.multi = await multiGroup(nodes, o, profiles);
    if (o.phases.includes('paced')) r.paced = await pacedGroups(nodes, o, profiles);
    if (o.phases.includes('idle')) r.idle = await idleGroups(nodes, o, profiles);
    if (profiles.length > 0) r.profiles = await Promise.all(profiles.map((p) => summariseProfileFile(p, 15)));
    return r;
  } finally {
    await Promise.all(nodes.map((n) => n.call({ type: 'stop' }, 30_000).catch(() => n.child.kill('SIGKILL'))));
    await rm(dir, { recursive: true, force: true });
  }
}

function formatPerEntry(p: PerEntry): string {
  const gc = p.gcUs === undefined ? '' : ` (GC pauses ${p.gcUs})`;
  const cpu = p.cpuUs === undefined ? '' : `, ${p.cpuUs} us CPU${gc}`;
  const syncs = p.datasyncs === undefined ? '' : `, ${p.datasyncs} WAL fdatasyncs, ${p.dbSyncWrites ?? 0} synced LevelDB writes (of ${p.dbWrites ?? 0})`;
  const msgs = p.messages === undefined ? '' : ` (${p.messages} messages)`;
  const switches = p.ctxSwitches === undefined ? '' : `, ${p.ctxSwitches} context switches`;
  return `per committed entry (3 nodes): ${p.drains} drains, ${p.fsyncRounds} fsync rounds, ${p.framesSent} frames${msgs}${syncs}${switches}${cpu}`;
}

export function formatRaftBench(r: RaftBenchResult): string {
  const floor = r.loopbackRtt.p50Ms + r.fdatasync.p50Ms;
  const lines = [
    `raft bench: 3 node processes on loopback, fsync ${r.fsync}${r.syncMode === undefined ? '' : ` (${r.syncMode})`}, ${r.entryBytes}-byte entries${r.commitNotices === false ? ', commit notices off' : ''}`,
    `loopback RTT (64 B, process to process): p50 ${r.loopbackRtt.p50Ms} ms, p99 ${r.loopbackRtt.p99Ms} ms`,
    `fdatasync (${r.entryBytes} B append):          p50 ${r.fdatasync.p50Ms} ms, p99 ${r.fdatasync.p99Ms} ms`,
  ];
  const { single, multi, idle } = r;
  if (single !== undefined) {
    lines.push(`1 group, 1 outstanding:    commit p50 ${single.latency.p50Ms} ms, p99 ${single.latency.p99Ms} ms (target p50 <= ${round(2 * floor)} ms = 2 x (RTT + fdatasync))`);
    const ratios = (single.slices ?? []).map((x) => x.ratio).sort((a, b) => a - b);
    if (ratios.length > 1) lines.push(`  ${ratios.length} slices, commit p50 / (2 x (RTT + fdatasync)) measured next to each: ${ratios.join(', ')} (<= 1 meets the target)`);
    for (const [i, p] of (single.latencyPerNode ?? []).entries()) lines.push(`  1 outstanding, ${i === 0 ? 'leader  ' : 'follower'} ${formatPerEntry(p).replace('(3 nodes)', '')}`);
    if (single.trace !== undefined) lines.push(...formatTraceBreakdown(single.trace).map((l) => `  ${l}`));
    lines.push(`1 group, ${single.window} outstanding:  ${single.committedPerSec} committed/s, commit p50 ${single.windowLatency.p50Ms} ms, p99 ${single.windowLatency.p99Ms} ms`);
    if (single.perEntry !== undefined) lines.push(`  ${formatPerEntry(single.perEntry)}`);
  }
  if (multi !== undefined) {
    lines.push(`${multi.groups} groups, ${multi.window} outstanding each: ${multi.committedPerSec} committed/s aggregate (target >= 50000), worst node p50 ${multi.latency.p50Ms} ms, p99 ${multi.latency.p99Ms} ms`);
    if (multi.perEntry !== undefined) lines.push(`  ${formatPerEntry(multi.perEntry)}`);
  }
  const { paced } = r;
  if (paced !== undefined) {
    lines.push(`${paced.groups} groups, 1 outstanding each, ${paced.paceMs} ms between commit and next proposal: ${paced.committedPerSec} committed/s, worst node p50 ${paced.latency.p50Ms} ms, p99 ${paced.latency.p99Ms} ms`);
    lines.push(`  ${formatPerEntry(paced.perEntry)}`);
  }
  if (r.wire !== undefined) {
    lines.push(`wire (in-process): ${r.wire.sendReceiveUs} us CPU per entry framed, sent and decoded for one follower; ${r.wire.proposalUs} us per proposal tracked`);
  }
  if (idle !== undefined) lines.push(`${idle.groups} idle groups (heartbeat ${r.heartbeatTicks ?? 2} ticks): CPU per node ${idle.cpuPercentPerNode.map((c) => `${c}%`).join(', ')} of one core over ${idle.seconds} s (target < 5%)`);
  for (const p of r.profiles ?? []) lines.push(p);
  return lines.join('\n');
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  if (argv.includes('--worker')) {
    runWorker();
  } else {
    const fsync = flag(argv, '--fsync') === 'never' ? 'never' : 'always';
    const opts: RaftBenchOptions = { fsync };
    const seconds = flag(argv, '--seconds');
    if (seconds !== undefined) opts.seconds = Number(seconds);
    const idle = flag(argv, '--idle-groups');
    if (idle !== undefined) opts.idleGroups = Number(idle);
    const only = flag(argv, '--only');
    if (only !== undefined) opts.phases = only.split(',').filter((p): p is Phase => p === 'single' || p === 'multi' || p === 'paced' || p === 'idle' || p === 'wire');
    const slices = flag(argv, '--slices');
    if (slices !== undefined) opts.slices = Number(slices);
    const prof = flag(argv, '--cpu-prof');
    if (prof !== undefined) opts.cpuProfDir = prof;
    if (argv.includes('--heap-prof')) opts.heapProf = true;
    const hb = flag(argv, '--heartbeat-ticks');
    if (hb !== undefined) opts.heartbeatTicks = Number(hb);
    if (argv.includes('--trace')) opts.trace = true;
    const syncMode = flag(argv, '--sync-mode');
    if (syncMode === 'dsync' || syncMode === 'fdatasync') opts.syncMode = syncMode;
    const notices = flag(argv, '--commit-notices');
    if (notices === 'on' || notices === 'off') opts.commitNotices = notices === 'on';
    runRaftBench(opts).then(
      (r) => process.stdout.write(`${formatRaftBench(r)}\n${JSON.stringify(r)}\n`),
      (err: unknown) => {
        process.stderr.write(`raft bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  }
}

/**
 * Loopback network benchmark: raw TCP versus NodeTransport, measured in the same run so the numbers
 * are comparable. Both ends of every measurement live in this one process (one event loop), so the
 * figures are a floor for a real two-machine link, not a ceiling.
 *
 *   node dist/tools/bench/net.js [durationMs]
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { NodeTransport, type PeerAddress } from '../../src/raft/transport/index.js';

export interface NetBenchOptions {
  /** Length of each measurement. Default 2000 ms. */
  durationMs?: number;
}

export interface Throughput {
  payloadBytes: number;
  framesPerSec: number;
  mbPerSec: number;
}

export interface Latency {
  samples: number;
  p50Us: number;
  p99Us: number;
}

export interface NetBenchResult {
  durationMs: number;
  rawTcp: Throughput;
  rawRtt: Latency;
  transport: Throughput[];
  transportRtt: Latency;
}

const MIB = 1024 * 1024;
/** A cap on RTT samples, so a fast machine cannot grow the sample array without bound. */
const MAX_SAMPLES = 1_000_000;

export async function runNetBench(opts: NetBenchOptions = {}): Promise<NetBenchResult> {
  const durationMs = opts.durationMs ?? 2000;
  const rawTcp = await rawThroughput(durationMs);
  const rawRtt = await rawPingPong(durationMs);
  const transport: Throughput[] = [];
  for (const size of [1024, 64 * 1024]) transport.push(await transportThroughput(size, durationMs));
  const transportRtt = await transportPingPong(durationMs);
  return { durationMs, rawTcp, rawRtt, transport, transportRtt };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function dial(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** 1 MiB writes for `durationMs`, respecting backpressure; rate measured at the receiver. */
async function rawThroughput(durationMs: number): Promise<Throughput> {
  let received = 0;
  let firstMs = 0;
  const server = createServer();
  const done = new Promise<number>((resolve) => {
    server.on('connection', (s: Socket) => {
      s.on('data', (chunk: Buffer) => {
        if (received === 0) firstMs = performance.now();
        received += chunk.length;
      });
      s.on('end', () => resolve(performance.now() - firstMs));
    });
  });
  const client = await dial(await listen(server));
  const block = Buffer.alloc(MIB, 0xab);
  const endAt = performance.now() + durationMs;
  let writes = 0;
  while (performance.now() < endAt) {
    writes += 1;
    if (!client.write(block)) await new Promise((resolve) => client.once('drain', resolve));
  }
  client.end();
  const elapsedMs = await done;
  client.destroy();
  await closeServer(server);
  return { payloadBytes: MIB, framesPerSec: (writes / elapsedMs) * 1000, mbPerSec: received / MIB / (elapsedMs / 1000) };
}

/** 64-byte echo over one raw socket, one message in flight. */
async function rawPingPong(durationMs: number): Promise<Latency> {
  const server = createServer((s) => s.on('data', (chunk: Buffer) => s.write(chunk)));
  const client = await dial(await listen(server));
  const message = Buffer.alloc(64, 1);
  const samples: number[] = [];
  let pending = 0;
  let sentAt = 0;
  let wake: () => void = () => undefined;
  client.on('data', (chunk: Buffer) => {
    pending -= chunk.length;
    if (pending <= 0) wake();
  });
  const endAt = performance.now() + durationMs;
  while (performance.now() < endAt && samples.length < MAX_SAMPLES) {
    const echoed = new Promise<void>((resolve) => (wake = resolve));
    pending = message.length;
    sentAt = performance.now();
    client.write(message);
    await echoed;
    samples.push(performance.now() - sentAt);
  }
  client.destroy();
  await closeServer(server);
  return latency(samples);
}

async function transportPair(): Promise<[NodeTransport, NodeTransport]> {
  const logger = pino({ level: 'silent' });
  const listen: PeerAddress = { host: '127.0.0.1', port: 0 };
  const a = new NodeTransport({ nodeId: 1, clusterId: 'bench', listen, peers: new Map(), logger });
  const b = new NodeTransport({ nodeId: 2, clusterId: 'bench', listen, peers: new Map(), logger });
  const addrA = await a.start();
  const addrB = await b.start();
  const bothUp = Promise.all([upOnce(a, 2), upOnce(b, 1)]);
  a.setPeers(new Map([[2, addrB]]));
  b.setPeers(new Map([[1, addrA]]));
  await bothUp;
  return [a, b];
}

function upOnce(t: NodeTransport, peer: number): Promise<void> {
  return new Promise((resolve) => {
    const off = t.onPeerUp((id) => {
      if (id !== peer) return;
      off();
      resolve();
    });
  });
}

/**
 * Node 1 streams `size`-byte frames to node 2 for `durationMs`, keeping at most 8 MiB in flight
 * (sent but not yet received), which stays inside the transport's queue bound so nothing is dropped.
 */
async function transportThroughput(size: number, durationMs: number): Promise<Throughput> {
  const [a, b] = await transportPair();
  const windowFrames = Math.max(16, Math.floor((8 * MIB) / size));
  const payload = Buffer.alloc(size, 0xcd);
  let sent = 0;
  let received = 0;
  let wake: () => void = () => undefined;
  b.onFrame(() => {
    received += 1;
    if (sent - received < windowFrames / 2) wake();
  });
  const startMs = performance.now();
  const endAt = startMs + durationMs;
  while (performance.now() < endAt) {
    while (sent - received < windowFrames) {
      a.send(2, payload);
      sent += 1;
    }
    await bounded(new Promise<void>((resolve) => (wake = resolve)), 10_000, 'the receiver to drain the window');
  }
  const elapsedMs = performance.now() - startMs;
  const drops = a.stats().peers['2']?.queueDrops ?? 0;
  await Promise.all([a.close(), b.close()]);
  if (drops > 0) throw new Error(`benchmark window overflowed the queue: ${drops} drops`);
  return { payloadBytes: size, framesPerSec: (received / elapsedMs) * 1000, mbPerSec: (received * size) / MIB / (elapsedMs / 1000) };
}

/** 64-byte payload echoed by node 2 back to node 1, one message in flight. */
async function transportPingPong(durationMs: number): Promise<Latency> {
  const [a, b] = await transportPair();
  b.onFrame((from, payload) => b.send(from, payload));
  let wake: () => void = () => undefined;
  a.onFrame(() => wake());
  const message = Buffer.alloc(64, 2);
  const samples: number[] = [];
  const endAt = performance.now() + durationMs;
  while (performance.now() < endAt && samples.length < MAX_SAMPLES) {
    const echoed = new Promise<void>((resolve) => (wake = resolve));
    const sentAt = performance.now();
    a.send(2, message);
    await bounded(echoed, 10_000, 'an echo');
    samples.push(performance.now() - sentAt);
  }
  await Promise.all([a.close(), b.close()]);
  return latency(samples);
}

/** Every wait in the benchmark is bounded: a lost frame fails the run instead of hanging it. */
async function bounded<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function latency(samplesMs: number[]): Latency {
  const sorted = [...samplesMs].sort((x, y) => x - y);
  const at = (q: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000);
  return { samples: sorted.length, p50Us: at(0.5), p99Us: at(0.99) };
}

function format(r: NetBenchResult): string {
  const lines = [
    `raw TCP, 1 MiB writes:     ${r.rawTcp.mbPerSec.toFixed(0)} MB/s`,
    `raw TCP RTT (64 B):        p50 ${r.rawRtt.p50Us} µs, p99 ${r.rawRtt.p99Us} µs (${r.rawRtt.samples} samples)`,
    ...r.transport.map(
      (t) => `transport ${String(t.payloadBytes / 1024).padStart(2)} KiB frames:  ${t.framesPerSec.toFixed(0)} frames/s, ${t.mbPerSec.toFixed(0)} MB/s`,
    ),
    `transport RTT (64 B):      p50 ${r.transportRtt.p50Us} µs, p99 ${r.transportRtt.p99Us} µs (${r.transportRtt.samples} samples)`,
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const durationMs = Number(process.argv[2] ?? 2000);
  runNetBench({ durationMs }).then(
    (r) => process.stdout.write(`${format(r)}\n${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`net bench failed: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

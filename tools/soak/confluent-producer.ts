import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { AckedWrite } from './checker.js';

/**
 * A confluent-kafka (librdkafka) idempotent producer in a Python child process, so the promise is
 * checked against a second, independent client implementation. It prints one line per delivery
 * report: `ACK <partition> <offset> <seq> <enqueued, epoch ms>` or `ERR <seq> <error>`; SIGTERM makes it flush and exit.
 */
const SCRIPT = String.raw`
import signal, sys, time
from confluent_kafka import Producer
brokers, topic, name, partitions, max_messages, pad = sys.argv[1], sys.argv[2], sys.argv[3], [int(p) for p in sys.argv[4].split(',')], int(sys.argv[5]), int(sys.argv[6])
stopping = [False]
def on_term(signum, frame):
    stopping[0] = True
signal.signal(signal.SIGTERM, on_term)
p = Producer({'bootstrap.servers': brokers, 'enable.idempotence': True, 'acks': 'all', 'linger.ms': 5,
              'message.timeout.ms': 60000, 'retry.backoff.ms': 50, 'log_level': 0})
def report(seq, enqueued_ms):
    def cb(err, msg):
        if err is not None:
            print('ERR %d %s' % (seq, str(err).replace('\n', ' ')), flush=True)
        else:
            print('ACK %d %d %d %d' % (msg.partition(), msg.offset(), seq, enqueued_ms), flush=True)
    return cb
seq = 0
padding = 'x' * pad
while not stopping[0] and seq < max_messages:
    if len(p) >= 500:
        p.poll(0.05)
        continue
    part = partitions[seq % len(partitions)]
    try:
        p.produce(topic, value=('chk|%s|%d|%s' % (name, seq, padding)).encode(), partition=part, on_delivery=report(seq, int(time.time() * 1000)))
        seq += 1
    except BufferError:
        p.poll(0.05)
    p.poll(0)
p.flush(30)
print('DONE %d' % seq, flush=True)
`;

export interface ConfluentProducerOptions {
  readonly name: string;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly padBytes: number;
  readonly maxMessages: number;
  readonly python?: string;
  readonly onAck: (writes: readonly AckedWrite[], sentAtMs: number) => void;
  readonly onError: (err: unknown) => void;
}

/** Flush bound at stop: librdkafka's own flush is 30 s, plus the interpreter's exit. */
const STOP_TIMEOUT_MS = 40_000;

export class ConfluentProducer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  sent = 0;

  constructor(private readonly o: ConfluentProducerOptions) {}

  start(): Promise<void> {
    const args = ['-c', SCRIPT, this.o.brokers.join(','), this.o.topic, this.o.name, this.o.partitions.join(','), String(this.o.maxMessages), String(this.o.padBytes)];
    const child = spawn(this.o.python ?? '/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4_096) stderr += c.toString();
    });
    child.once('exit', (code) => {
      if (code !== 0) this.o.onError(new Error(`confluent producer ${this.o.name} exited ${code}: ${stderr}`));
    });
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    const [kind, a, b, c, d] = line.split(' ');
    if (kind === 'ACK') {
      this.sent++;
      // The send time is when the message was handed to librdkafka (the child's wall clock, the same
      // system clock as ours), not when its report arrived: reports of writes acknowledged before a
      // fault can reach us after it, and must not pass for writes sent after it.
      const sentAtMs = performance.now() - (Date.now() - Number(d));
      this.o.onAck([{ producer: this.o.name, seq: Number(c), topic: this.o.topic, partition: Number(a), offset: Number(b) }], sentAtMs);
    } else if (kind === 'ERR') {
      this.sent++;
      this.o.onError(new Error(`confluent producer ${this.o.name} seq ${a}: ${line.slice(5 + (a ?? '').length)}`));
    }
  }
}

import { afterEach, describe, expect, it } from 'vitest';
import { EntryType } from '../../../src/raft/core/index.js';
import type { FileHandle } from '../../../src/wal/file-io.js';
import { ForwardingFileIO } from '../../../src/wal/forwarding-file-io.js';
import { NodeFileIO } from '../../../src/wal/node-file-io.js';
import { Cluster, Signal, text } from './harness.js';

/**
 * Apply before persist (ready-loop.ts, apply.ts `appliesEarly`): a Ready whose committed entries
 * are already durable here applies them and settles their proposals before its own new entries'
 * fdatasync, not one WAL round later. The gate below holds fdatasyncs, so the order is forced,
 * not timed: e1's sync is held while e2 is proposed, so the next Ready carries both e1 (committed)
 * and e2 (to write); then e2's sync is held and e1 must still be answered.
 */
class SyncGate extends ForwardingFileIO {
  armed = false;
  readonly held: Array<() => void> = [];

  constructor(private readonly signal: Signal) {
    super(new NodeFileIO());
  }

  override async datasync(fd: FileHandle): Promise<void> {
    if (this.armed) {
      await new Promise<void>((resolve) => {
        this.held.push(resolve);
        this.signal.notify();
      });
    }
    return this.inner.datasync(fd);
  }

  /** Lets the oldest held fdatasync go on (the gate stays armed for the next ones). */
  releaseOne(): void {
    const next = this.held.shift();
    if (next === undefined) throw new Error('no fdatasync is held');
    next();
  }

  releaseAll(): void {
    this.armed = false;
    for (const r of this.held.splice(0)) r();
  }
}

let cluster: Cluster | undefined;
let gate: SyncGate | undefined;

afterEach(async () => {
  gate?.releaseAll();
  await cluster?.close();
  cluster = undefined;
});

describe('apply before persist', () => {
  it("answers a committed proposal while the next entries' fdatasync is still held", async () => {
    const signal = new Signal();
    gate = new SyncGate(signal);
    const g = gate;
    cluster = await Cluster.start({ size: 1, fsync: 'always', host: {}, fileIO: () => g });
    const c = cluster;
    await c.addGroup('early');
    c.node(0).host.campaign('early');
    await c.waitLeader('early');
    const host = c.node(0).host;
    await host.propose('early', text('warm-up'), EntryType.NORMAL).committed;

    g.armed = true;
    const e1 = host.propose('early', text('e1'), EntryType.NORMAL);
    await signal.until(() => g.held.length === 1, 5_000, "e1's fdatasync to be held");
    // The drain waits for e1's round: e2 goes into the next Ready, beside e1's commit.
    const e2 = host.propose('early', text('e2'), EntryType.NORMAL);
    let e2Settled = false;
    void e2.committed.then(() => (e2Settled = true));
    let e1Committed = false;
    void e1.committed.then(() => {
      e1Committed = true;
      signal.notify();
    });
    g.releaseOne();

    await signal.until(() => e1Committed && g.held.length === 1, 5_000, "e1 answered while e2's fdatasync is held");
    expect(c.machine(0, 'early').values).toEqual(['warm-up', 'e1']);
    expect(e2Settled).toBe(false);

    g.releaseAll();
    await e2.committed;
    expect(c.machine(0, 'early').values).toEqual(['warm-up', 'e1', 'e2']);
  }, 20_000);
});

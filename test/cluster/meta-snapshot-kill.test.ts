/**
 * A `__meta` node in its own process is SIGKILLed while the cluster commits events: restarted, it
 * loads its snapshot from LevelDB (its log before the snapshot is gone), replays the committed tail
 * and reaches the same image, digest for digest, as the two nodes that never stopped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PeerAddress } from '../../src/raft/transport/index.js';
import { digest } from '../../src/state/index.js';
import { freePorts } from '../helpers/ports.js';
import { META, brokers, commitEvents, sampleEvents, startMetaNode, stopMetaNode, waitLeader, type MetaNode } from './meta-host.js';

const CHILD = fileURLToPath(new URL('./meta-child.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/raft/driver/index.js', import.meta.url));
/** The in-process nodes keep their logs, so the child catches up from the log, never by InstallSnapshot. */
const TUNING = { tickMs: 20, electionTicks: 25, snapshotEveryEntries: 40, snapshotTrailingEntries: 10_000 };
/**
 * The child snapshots every 40 entries and keeps 8 before it, so after a restart its log alone could
 * not rebuild the image; it only follows (an election timeout far beyond the test).
 */
const CHILD_TUNING = { ...TUNING, electionTicks: 10_000, snapshotTrailingEntries: 8 };
const WAIT_MS = 30_000;

interface Opened {
  restores: Array<{ index: number; term: number }>;
  localSnapshot: number;
  installedSnapshot: number;
  firstIndex: number;
  applied: number;
}

/** The child process and event-driven waits on what it reports (each bounded). */
class Child {
  opened: Opened | undefined;
  applied = 0;
  digests = new Map<number, string>();
  private readonly waiters = new Set<() => void>();
  private stderr = '';

  constructor(readonly proc: ChildProcess) {
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const o = JSON.parse(line) as { opened?: Opened; applied?: number; digest?: string };
      if (o.opened !== undefined) this.opened = o.opened;
      if (o.applied !== undefined && o.digest !== undefined) {
        this.applied = o.applied;
        this.digests.set(o.applied, o.digest);
      }
      for (const w of [...this.waiters]) w();
    });
    proc.on('exit', () => {
      for (const w of [...this.waiters]) w();
    });
  }

  until(pred: () => boolean, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred()) {
          done();
          resolve();
        } else if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
          done();
          reject(new Error(`child exited while waiting for ${what}: ${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what} (applied ${this.applied}, opened ${JSON.stringify(this.opened)}); child stderr: ${this.stderr}`));
      }, WAIT_MS);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    return exited;
  }
}

function spawnChild(dir: string, port: number, peers: Map<number, PeerAddress>): Child {
  const args = [CHILD, '2', dir, String(port), JSON.stringify([...peers]), JSON.stringify([0, 1, 2]), JSON.stringify(CHILD_TUNING)];
  return new Child(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('__meta snapshot in LevelDB across a SIGKILL', () => {
  const nodes: MetaNode[] = [];
  let child: Child | undefined;
  let root = '';
  afterEach(async () => {
    await child?.kill();
    for (const n of nodes.splice(0)) await stopMetaNode(n);
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('a killed node restarts from its LevelDB snapshot plus the tail, to the same digest', async () => {
    expect(existsSync(BUILT), `build first (npx tsc -p .): ${BUILT}`).toBe(true);
    root = await mkdtemp(join(tmpdir(), 'chronik-meta-kill-'));
    const [childPort] = await freePorts(1);
    const peers = new Map<number, PeerAddress>([[2, { host: '127.0.0.1', port: childPort as number }]]);
    for (const id of [0, 1]) nodes.push(await startMetaNode(id, join(root, `n${id}`), 0, peers, [0, 1, 2], TUNING));
    for (const n of nodes) n.transport.setPeers(peers);
    const childDir = join(root, 'n2');
    child = spawnChild(childDir, childPort as number, peers);
    await child.until(() => child?.opened !== undefined, 'the child to open its group');
    (nodes[0] as MetaNode).host.campaign(META);
    const leader = await Promise.any(nodes.map((n) => waitLeader(n, WAIT_MS).then(() => n)));
    await commitEvents(leader, brokers([0, 1, 2]));
    const first = await commitEvents(leader, sampleEvents(0, 150));
    await child.until(() => (child?.applied ?? 0) >= first, `the child to apply ${first}`);

    // Killed mid-stream: the leader keeps committing while the child applies, snapshots, dies.
    const stream = commitEvents(leader, sampleEvents(1_000, 90));
    await child.until(() => (child?.applied ?? 0) >= first + 30, 'the child to apply part of the stream');
    await child.kill();
    await stream;
    const last = await commitEvents(leader, sampleEvents(2_000, 45));
    for (const n of nodes) await n.sm.waiters.waitForApplied(last, WAIT_MS);

    child = spawnChild(childDir, childPort as number, peers);
    await child.until(() => child?.opened !== undefined, 'the restarted child to open its group');
    const opened = child.opened as Opened;
    // Restored from its own snapshot in LevelDB before anything was replayed (nothing was ever
    // installed from the leader); its log alone starts after index 1.
    expect(opened.installedSnapshot).toBe(0);
    expect(opened.localSnapshot).toBeGreaterThanOrEqual(first);
    expect(opened.restores.map((r) => r.index)).toEqual([opened.localSnapshot]);
    expect(opened.applied).toBe(opened.localSnapshot);
    expect(opened.firstIndex).toBeGreaterThan(1);
    await child.until(() => (child?.applied ?? 0) >= last, `the restarted child to apply ${last}`);
    const expected = digest(leader.sm.image);
    expect(leader.sm.image.appliedIndex).toBe(last);
    for (const n of nodes) expect(digest(n.sm.image)).toBe(expected);
    expect(child.digests.get(last)).toBe(expected);
    expect((await readdir(join(childDir, 'raft')).catch(() => [])).filter((f) => f.includes('.snap'))).toEqual([]);
  }, 90_000);
});

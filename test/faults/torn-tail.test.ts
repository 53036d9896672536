import { appendFile, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatReport } from '../../tools/soak/checker.js';
import { createTopic, finishAndCheck, partitionLeader } from '../../tools/soak/harness.js';
import { partitionLogDir, readReplicaLog } from '../../tools/soak/replicas.js';
import { encodeFrameHeader } from '../../src/wal/frame.js';
import { zeroSuffixStart } from '../../src/wal/torn-tail.js';
import { Workload } from '../../tools/soak/workload.js';
import type { ProcessCluster } from '../helpers/process-cluster.js';
import { CLI, debugDump, RESTART_TIMEOUT_MS, startFaultCluster } from './setup.js';

/**
 * Scenario 6: damage the tail of a follower's last segment while it is stopped, then restart it. It
 * must cut the damage (and say so with a warn line naming the segment), catch up from the leader and
 * end with a log identical to the others'. Only followers are damaged.
 *
 * Test 1 is the torn write power loss really produces: the next frame (index last+1) half written
 * — the follower never acknowledged it — on partition 0, and garbage after the last frame on
 * partition 1. Test 2 truncates the last, already acknowledged, frame mid-frame.
 */
const TOPIC = 'torn-tail';
const PARTITIONS = 2;

let cluster: ProcessCluster;

// A cluster per test: each ends with finishAndCheck, which SIGKILLs every node.
beforeEach(async () => {
  cluster = await startFaultCluster(3);
}, 120_000);

afterEach(async () => {
  debugDump(cluster);
  await cluster?.stop();
});

async function lastSegment(logDir: string): Promise<string> {
  const names = (await readdir(logDir)).filter((n) => /^\d{20}\.log$/.test(n)).sort();
  const last = names.at(-1);
  if (last === undefined) throw new Error(`no segment in ${logDir}`);
  return join(logDir, last);
}

type Damage = (dataDir: string, torn: string, garbled: string, tornLogDir: string) => Promise<void>;

/** A half-written next frame: header for index last+1 and a third of its payload. */
const tornNextFrame: Damage = async (_dataDir, torn, garbled, tornLogDir) => {
  const frames = (await readReplicaLog(CLI, -1, tornLogDir)).frames;
  const last = frames.at(-1);
  if (last === undefined) throw new Error('empty log');
  const data = Buffer.alloc(300, 0x41);
  await appendFile(torn, Buffer.concat([encodeFrameHeader({ index: last.index + 1, term: last.term, type: 2, data }), data.subarray(0, 100)]));
  await appendFile(garbled, Buffer.from('\x00\x13garbage-after-the-last-frame\xff\xfe'.repeat(8), 'latin1'));
};

/**
 * The last (acknowledged) frame cut 7 bytes short: inside it whatever it is (a header alone is 28).
 * The node's redo journal may hold a copy of that frame's round (a round of two or more logs is
 * made durable there) and would write it back on open; this scenario is acknowledged data lost
 * outright, which only the leader can repair, so the journal files go too. The process was
 * SIGKILLed, not powered off: every segment write it made is in the page cache, so no other log
 * needs the journal.
 */
const truncatedAckedFrame: Damage = async (_dataDir, torn, garbled) => {
  // A SIGKILLed node's last segment ends in its preallocated hole (src/wal/prealloc.ts): cut into
  // the last frame, where the hole's zeros start, not into the hole.
  await truncate(torn, zeroSuffixStart(await readFile(torn)) - 7);
  await appendFile(garbled, Buffer.from('\x00\x13garbage-after-the-last-frame\xff\xfe'.repeat(8), 'latin1'));
  // <wal dir>/logs/<log>/<segment>: the journal is <wal dir>/journal.
  const journal = join(dirname(dirname(dirname(torn))), 'journal');
  for (const name of await readdir(journal)) if (name.endsWith('.jnl')) await rm(join(journal, name));
};

describe('fault: torn segment tail on a stopped follower', () => {
  it('cuts a torn (unacknowledged) next frame and appended garbage on restart, logs it, and catches up identically', async () => {
    await runScenario(tornNextFrame);
  }, 180_000);

  // Was a bug: the leader's progress never let `next` fall to `match`, so a follower that lost
  // entries it had acknowledged rejected every probe and was never repaired under the same leader.
  // Now a rejected probe at match makes the leader forget match (src/raft/core/progress.ts).
  it('a follower whose acknowledged last frame was truncated mid-frame (fsynced data lost) is repaired by the same leader', async () => {
    await runScenario(truncatedAckedFrame);
  }, 180_000);
});

async function runScenario(damage: Damage): Promise<void> {
  {
    await createTopic(cluster.brokers, TOPIC, PARTITIONS, 3);
    const workload = new Workload({
      brokers: cluster.brokers, topic: TOPIC, partitions: PARTITIONS,
      kafkajsProducers: 2, confluentProducers: 0, batchSize: 20, padBytes: 200,
      maxMessagesPerProducer: 200_000, consumers: 0,
    });
    await workload.start();
    await workload.waitForAcks(1_000, 30_000);
    const leaders = new Set([(await partitionLeader(cluster, TOPIC, 0)).leader, (await partitionLeader(cluster, TOPIC, 1)).leader]);
    // Some node leads neither partition (3 nodes, 2 partitions).
    const victim = [0, 1, 2].find((id) => !leaders.has(id)) as number;
    await cluster.kill(victim);
    await workload.waitForAcks(workload.acked.length + 500, 30_000);

    const dataDir = (cluster.nodes[victim] as { dataDir: string }).dataDir;
    const tornLogDir = (await partitionLogDir(dataDir, TOPIC, 0)) as string;
    const torn = await lastSegment(tornLogDir);
    const garbled = await lastSegment((await partitionLogDir(dataDir, TOPIC, 1)) as string);
    await damage(dataDir, torn, garbled, tornLogDir);

    await cluster.restart(victim, RESTART_TIMEOUT_MS);
    const cutLine = (segment: string) => (l: Record<string, unknown>): boolean => l.msg === 'cut a torn tail' && l.level === 40 && String(l.segment).endsWith(segment.slice(dataDir.length));
    await cluster.waitForLog(victim, cutLine(torn), 10_000);
    await cluster.waitForLog(victim, cutLine(garbled), 10_000);
    await workload.waitForAcks(workload.acked.length + 500, 30_000);

    const report = await finishAndCheck(cluster, workload, { cli: CLI, topic: TOPIC, partitions: PARTITIONS, requireComplete: true });
    console.log(`[faults] torn-tail (node ${victim}): ${formatReport(report)}`);
    expect(report.ok, formatReport(report)).toBe(true);
  }
}

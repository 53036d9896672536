/**
 * `groups` and `partition` on data dirs written by the real WAL (in-process, no broker): the
 * replay's semantics — supersession, both kinds of tombstone, the commit index, undecodable
 * entries — and the partition view's committed/uncommitted split, --count, --topic-id and a batch
 * whose own CRC is wrong under a good frame CRC.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupRecord } from '../../src/kafka/groups/records.js';
import { encodeRecords } from '../../src/node/group-service.js';
import { silentLogger } from '../../src/util/logger.js';
import { WalStore, type Entry } from '../../src/wal/index.js';
import { partitionBatch, RECORDS_PER_BATCH, removeDir, tempDir } from './fixture.js';
import { inspect } from './io.js';

const OFFSETS_LOG = 'p.__consumer_offsets-0.abcdef12';
const ORDERS_LOG = 'p.orders-0.abcdef12';
const OTHER_ORDERS_LOG = 'p.orders-0.99999999';
const dirs: string[] = [];

function offset(groupId: string, topic: string, partition: number, at: number): GroupRecord {
  return { kind: 'offset', groupId, topic, partition, offset: at, leaderEpoch: 3, metadata: `m${at}`, commitTimestampMs: 1_700_000_000_000 + at };
}

function membership(groupId: string, generationId: number): GroupRecord {
  const member = { memberId: 'm-1', groupInstanceId: 'static-1', clientId: 'c', clientHost: '/10.0.0.1', rebalanceTimeoutMs: 60_000, sessionTimeoutMs: 10_000, subscription: new Uint8Array(0), assignment: new Uint8Array(0) };
  return { kind: 'group', groupId, protocolType: 'custom', generationId, protocolName: 'p', leaderId: 'm-1', stateTimestampMs: 1, members: [member] };
}

/** Index 1 is the leader's no-op; each later entry is one append of records. */
function groupEntries(appends: readonly GroupRecord[][]): Entry[] {
  return [{ index: 1, term: 1, type: 0, data: Buffer.alloc(0) }, ...appends.map((records, i) => ({ index: i + 2, term: 1, type: 0, data: encodeRecords(records) }))];
}

const APPENDS: GroupRecord[][] = [
  [membership('g1', 1), offset('g1', 't', 0, 10)],
  [offset('g1', 't', 1, 20), offset('g2', 't', 0, 5), membership('g2', 4)],
  [offset('g1', 't', 0, 15), membership('g1', 2)],
  [{ kind: 'offset-tombstone', groupId: 'g1', topic: 't', partition: 1 }],
  [{ kind: 'group-tombstone', groupId: 'g2' }, { kind: 'offset-tombstone', groupId: 'g2', topic: 't', partition: 0 }],
  // Index 7, past the commit index: written, never applied.
  [offset('g3', 't', 0, 99), offset('g1', 't', 0, 1000)],
];
const GROUPS_COMMIT = 6;

/** A batch whose record bytes are altered after its CRC was computed: the frame CRC is fine. */
function batchWithBadCrc(i: number): Buffer {
  const b = Buffer.from(partitionBatch(i));
  const last = b.length - 3;
  b[last] = (b[last] ?? 0) ^ 0xff;
  return b;
}

async function build(dir: string, withBadBatch: boolean): Promise<void> {
  const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'never' });
  const groups = await store.openLog(OFFSETS_LOG, { kind: 'partition' });
  await groups.append(groupEntries(APPENDS));
  await groups.saveHardState({ term: 1, vote: 0, commit: GROUPS_COMMIT });
  const orders = await store.openLog(ORDERS_LOG, { kind: 'partition' });
  const batches = [0, 1, 2, 3].map((i) => ({ index: i + 1, term: 1, type: 2, data: withBadBatch && i === 1 ? batchWithBadCrc(i) : partitionBatch(i) }));
  await orders.append(batches);
  await orders.saveHardState({ term: 1, vote: 0, commit: 3 });
  if (!withBadBatch) {
    const other = await store.openLog(OTHER_ORDERS_LOG, { kind: 'partition' });
    await other.append([{ index: 1, term: 1, type: 2, data: partitionBatch(0) }]);
    await other.saveHardState({ term: 1, vote: 0, commit: 1 });
  }
  await store.close();
}

let clean: string;
let badBatch: string;

beforeAll(async () => {
  clean = await tempDir();
  badBatch = await tempDir();
  dirs.push(clean, badBatch);
  await build(clean, false);
  await build(badBatch, true);
});

afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

interface GroupsOut {
  partitions: { partition: number; commitIndex: number; appliedEntries: number; appliedRecords: number; uncommittedEntries: number; problemCount: number; problems: { message: string }[] }[];
  groups: { groupId: string; offsetsPartition: number; metadata: { generationId: number; members: { memberId: string; groupInstanceId: string }[] } | null; offsets: { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }[] }[];
}

describe('groups replay', () => {
  it('applies committed appends in order: later commits supersede, tombstones remove, uncommitted ones are not applied', async () => {
    const r = await inspect('groups', clean, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as GroupsOut;
    expect(out.partitions).toMatchObject([{ partition: 0, commitIndex: GROUPS_COMMIT, appliedEntries: 5, appliedRecords: 10, uncommittedEntries: 1, problemCount: 0 }]);
    expect(out.groups.map((g) => g.groupId)).toEqual(['g1']);
    const g1 = out.groups[0];
    expect(g1?.metadata?.generationId).toBe(2);
    expect(g1?.metadata?.members).toMatchObject([{ memberId: 'm-1', groupInstanceId: 'static-1' }]);
    expect(g1?.offsets).toEqual([{ topic: 't', partition: 0, offset: 15, leaderEpoch: 3, metadata: 'm15', commitTimestampMs: 1_700_000_000_015 }]);
  });

  it('--group filters, and text names the member and the offsets', async () => {
    const none = JSON.parse((await inspect('groups', clean, '--group', 'g2', '--json')).stdout) as GroupsOut;
    expect(none.groups).toEqual([]);
    const text = await inspect('groups', clean, '--group', 'g1');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('generation 2, protocol type custom, protocol p, leader m-1, 1 member(s)');
    expect(text.stdout).toContain('instance static-1');
    expect(text.stdout).toMatch(/t\s+0\s+15\s+3\s+"m15"\s+2023-11-14T22:13:20\.015Z/);
  });

  it('without a LevelDB the commit index is unknown and every entry is applied', async () => {
    const copy = await tempDir();
    dirs.push(copy);
    await build(copy, false);
    await rm(join(copy, 'index'), { recursive: true });
    const out = JSON.parse((await inspect('groups', copy, '--json')).stdout) as GroupsOut;
    expect(out.partitions[0]).toMatchObject({ commitIndex: null, uncommittedEntries: 0, appliedEntries: 6 });
    expect(out.groups.map((g) => [g.groupId, g.offsets.map((o) => o.offset)])).toEqual([
      ['g1', [1000]],
      ['g3', [99]],
    ]);
  });

  it('an undecodable committed entry is a problem (exit 1); the other entries still apply', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = await WalStore.open({ dir, logger: silentLogger(), fsync: 'never' });
    const log = await store.openLog(OFFSETS_LOG, { kind: 'partition' });
    const garbage = Buffer.from([0, 0, 0, 1, 0, 0, 0, 3, 9, 9, 9]);
    await log.append([...groupEntries([[offset('g1', 't', 0, 7)]]), { index: 3, term: 1, type: 0, data: garbage }]);
    await log.saveHardState({ term: 1, vote: 0, commit: 3 });
    await store.close();
    const r = await inspect('groups', dir, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as GroupsOut;
    expect(out.partitions[0]?.problems[0]?.message).toMatch(/undecodable group records/);
    expect(out.groups[0]?.offsets.map((o) => o.offset)).toEqual([7]);
  });
});

interface PartitionLine {
  committed?: boolean;
  batch?: { baseOffset: number; crcOk: boolean };
  summary?: { highWatermark: number | null; logEndOffset: number; batches: number; records: number; damaged: number; topicIdPrefix: string };
}

function lines(stdout: string): PartitionLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as PartitionLine);
}

describe('partition view', () => {
  it('with several topic ids for the name, lists them and wants --topic-id', async () => {
    const r = await inspect('partition', clean, 'orders', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('abcdef12');
    expect(r.stderr).toContain('99999999');
    expect(r.stderr).toContain('--topic-id');
    expect((await inspect('partition', clean, 'orders', '0', '--topic-id', '0000')).code).toBe(2);
    const full = await inspect('partition', clean, 'orders', '0', '--topic-id', '99999999-1111-2222-3333-444444444444', '--json');
    expect(full.code, full.stderr).toBe(0);
    expect(lines(full.stdout).at(-1)?.summary).toMatchObject({ topicIdPrefix: '99999999', batches: 1 });
  });

  it('marks batches past the commit index uncommitted; the high watermark ends at the last committed one', async () => {
    const r = await inspect('partition', clean, 'orders', '0', '--topic-id', 'abcdef12', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.filter((l) => l.batch !== undefined).map((l) => [l.batch?.baseOffset, l.committed])).toEqual([
      [0, true],
      [RECORDS_PER_BATCH, true],
      [2 * RECORDS_PER_BATCH, true],
      [3 * RECORDS_PER_BATCH, false],
    ]);
    expect(out.at(-1)?.summary).toMatchObject({ highWatermark: 3 * RECORDS_PER_BATCH, logEndOffset: 4 * RECORDS_PER_BATCH, batches: 4, records: 4 * RECORDS_PER_BATCH, damaged: 0 });
    const text = await inspect('partition', clean, 'orders', '0', '--topic-id', 'abcdef12');
    expect(text.stdout).toMatch(new RegExp(`baseOffset=${3 * RECORDS_PER_BATCH} .* \\(uncommitted\\)`));
    expect(text.stdout).toContain(`high watermark ${3 * RECORDS_PER_BATCH}, log end offset ${4 * RECORDS_PER_BATCH}, commit index 3`);
  });

  it('--count limits the batches shown, not the summary', async () => {
    const out = lines((await inspect('partition', clean, 'orders', '0', '--topic-id', 'abcdef12', '--count', '2', '--from-offset', '1', '--json')).stdout);
    expect(out.filter((l) => l.batch !== undefined).map((l) => l.batch?.baseOffset)).toEqual([0, RECORDS_PER_BATCH]);
    expect(out.at(-1)?.summary?.batches).toBe(4);
  });

  it('a batch CRC mismatch under a good frame CRC is damage: exit 1, and the high watermark stops before it', async () => {
    const r = await inspect('partition', badBatch, 'orders', '0', '--json');
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.filter((l) => l.batch !== undefined).map((l) => l.batch?.crcOk)).toEqual([true, false, true, true]);
    // The damaged batch is skipped; the intact committed batch after it still ends the committed range.
    expect(out.at(-1)?.summary).toMatchObject({ damaged: 1, highWatermark: 3 * RECORDS_PER_BATCH, records: 3 * RECORDS_PER_BATCH });
  });
});

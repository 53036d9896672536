/**
 * `chronik inspect groups <datadir>`: consumer groups as this node's `__consumer_offsets`
 * replicas record them — per group its last membership (generation, protocol, members) and its
 * committed offsets. A node holds only the offsets partitions assigned to it, so one data dir can
 * show a subset of the groups (docs/inspect.md).
 */
import { subscribedTopics } from '../../src/kafka/groups/consumer-subscription.js';
import type { ReplayedGroup } from '../../src/kafka/groups/loader.js';
import type { GroupMetadataRecord, OffsetCommitRecord } from '../../src/kafka/groups/records.js';
import { parseCommandArgs, requirePath } from './args.js';
import { ExitCode, UsageError } from './errors.js';
import { table } from './format.js';
import { replayOffsetsPartition, type OffsetsPartitionReplay } from './group-replay.js';
import { readLogIndexState } from './index-reader.js';
import { offsetsPlacement, type OffsetsPlacement } from './offsets-assignment.js';
import { Printer, type InspectIO } from './output.js';
import { resolveTarget } from './target.js';
import { withIndex } from './with-index.js';

const OFFSETS_LOG = /^p\.__consumer_offsets-(\d+)\.[^.]{8}$/;

interface GroupView {
  groupId: string;
  partition: number;
  metadata: GroupMetadataRecord | null;
  offsets: OffsetCommitRecord[];
}

interface Replayed {
  replays: OffsetsPartitionReplay[];
  placement: OffsetsPlacement | undefined;
}

async function replayAll(dataDir: string): Promise<Replayed> {
  const target = await resolveTarget(dataDir);
  if (target.kind !== 'data-dir') throw new UsageError('groups needs a node data directory (it reads logs/p.__consumer_offsets-*)');
  return withIndex(target, async (db, listed) => {
    const out: OffsetsPartitionReplay[] = [];
    const placement = await offsetsPlacement(listed, db);
    for (const log of listed.logs) {
      const m = OFFSETS_LOG.exec(log.logId);
      if (m === null) continue;
      const partition = Number(m[1]);
      const idx = db === undefined ? undefined : await readLogIndexState(db, log.logId);
      const soleVoter = placement?.partitions.find((p) => p.partition === partition)?.replicas.length === 1;
      const bounds = { commit: idx?.hardState?.commit, firstIndex: idx?.meta?.firstIndex ?? 0, soleVoter };
      out.push(await replayOffsetsPartition(log, partition, bounds));
    }
    return { replays: out.sort((a, b) => a.partition - b.partition), placement };
  });
}

function byTopicPartition(a: OffsetCommitRecord, b: OffsetCommitRecord): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}

function viewOf(groupId: string, partition: number, g: ReplayedGroup): GroupView {
  return { groupId, partition, metadata: g.metadata, offsets: [...g.offsets.values()].sort(byTopicPartition) };
}

function groupViews(replays: readonly OffsetsPartitionReplay[], only: string | undefined): GroupView[] {
  const out: GroupView[] = [];
  for (const r of replays) {
    for (const [groupId, g] of r.groups) if (only === undefined || groupId === only) out.push(viewOf(groupId, r.partition, g));
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : a.partition - b.partition));
}

function memberJson(md: GroupMetadataRecord): unknown[] {
  return md.members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    sessionTimeoutMs: m.sessionTimeoutMs,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    subscribedTopics: md.protocolType === 'consumer' ? subscribedTopics(m.subscription) : null,
    subscriptionBytes: m.subscription.byteLength,
    assignmentBytes: m.assignment.byteLength,
  }));
}

function groupJson(g: GroupView): unknown {
  const md = g.metadata;
  return {
    groupId: g.groupId,
    offsetsPartition: g.partition,
    metadata:
      md === null
        ? null
        : { protocolType: md.protocolType, generationId: md.generationId, protocolName: md.protocolName, leaderId: md.leaderId, stateTimestampMs: md.stateTimestampMs, members: memberJson(md) },
    offsets: g.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestampMs: o.commitTimestampMs })),
  };
}

function partitionJson(r: OffsetsPartitionReplay): unknown {
  const { groups, ...rest } = r;
  return { ...rest, groups: groups.size };
}

function placementCells(placement: OffsetsPlacement | undefined, partition: number): string[] {
  const at = placement?.partitions.find((x) => x.partition === partition);
  return at === undefined ? ['-', '-'] : [`${at.leader}@${at.leaderEpoch}`, at.replicas.join(',')];
}

/** Offsets partitions the image places on other nodes only: their groups are not in this dir. */
function printElsewhere(p: Printer, placement: OffsetsPlacement | undefined): void {
  const elsewhere = placement?.partitions.filter((x) => !x.here) ?? [];
  if (elsewhere.length === 0) return;
  p.line(`not on this node (inspect a replica's dir for their groups): ${elsewhere.map((x) => `${x.partition} on [${x.replicas.join(',')}]`).join(', ')}`);
}

function printPartitions(p: Printer, replays: readonly OffsetsPartitionReplay[], placement: OffsetsPlacement | undefined): void {
  if (replays.length === 0) p.line('this node holds no __consumer_offsets partition (they may all be on other nodes)');
  const rows = replays.map((r) => [
    String(r.partition),
    r.logId,
    ...placementCells(placement, r.partition),
    r.commitIndex === null ? 'unknown' : String(r.commitIndex),
    String(r.appliedEntries),
    String(r.uncommittedEntries),
    String(r.groups.size),
    String(r.problemCount),
  ]);
  for (const l of table(['offsets-partition', 'log', 'leader@epoch', 'replicas', 'commit', 'applied', 'uncommitted', 'groups', 'problems'], rows)) p.line(l);
  printElsewhere(p, placement);
  for (const r of replays) for (const pr of r.problems) p.line(`DAMAGE partition ${r.partition} ${pr.segment} byte ${pr.position}${pr.index === null ? '' : ` entry ${pr.index}`}: ${pr.message}`);
}

function printMembers(p: Printer, md: GroupMetadataRecord): void {
  p.line(`  generation ${md.generationId}, protocol type ${md.protocolType ?? '-'}, protocol ${md.protocolName ?? '-'}, leader ${md.leaderId ?? '-'}, ${md.members.length} member(s)`);
  for (const m of md.members) {
    const topics = md.protocolType === 'consumer' ? subscribedTopics(m.subscription) : null;
    p.line(`    ${m.memberId} client ${m.clientId} host ${m.clientHost}${m.groupInstanceId === null ? '' : ` instance ${m.groupInstanceId}`} session ${m.sessionTimeoutMs} ms${topics === null ? '' : ` topics [${topics.join(',')}]`}`);
  }
}

/** A corrupt-but-decodable timestamp must not crash the listing (toISOString throws out of range). */
function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

function printGroup(p: Printer, g: GroupView): void {
  p.line('');
  p.line(`group ${g.groupId} (offsets partition ${g.partition})`);
  if (g.metadata === null) p.line('  no group metadata (removed, or only offsets were committed)');
  else printMembers(p, g.metadata);
  if (g.offsets.length === 0) {
    p.line('  no committed offsets');
    return;
  }
  const rows = g.offsets.map((o) => [o.topic, String(o.partition), String(o.offset), String(o.leaderEpoch), JSON.stringify(o.metadata), isoTime(o.commitTimestampMs)]);
  for (const l of table(['topic', 'partition', 'offset', 'leader-epoch', 'metadata', 'committed-at'], rows)) p.line(`  ${l}`);
}

export async function groupsCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const args = parseCommandArgs(argv, { strings: ['group'] });
  const { replays, placement } = await replayAll(requirePath(args));
  const views = groupViews(replays, args.strings.get('group'));
  const p = new Printer(io.stdout);
  if (args.json) p.json({ target: args.path, offsetsTopic: placement ?? null, partitions: replays.map(partitionJson), groups: views.map(groupJson) });
  else {
    printPartitions(p, replays, placement);
    for (const g of views) {
      printGroup(p, g);
      // Many groups: write as we go, honouring back-pressure, rather than building one huge string.
      await p.flush();
    }
  }
  await p.flush(true);
  return replays.some((r) => r.problemCount > 0) ? ExitCode.CORRUPT : ExitCode.OK;
}

/**
 * `chronik inspect partition <datadir> <topic> <partition>`: one partition's log as Kafka sees it —
 * batches with offsets, timestamps, record counts, producer id/epoch/sequence and leader epoch,
 * which of them are committed, and the high watermark (the offset after the last committed
 * batch). Lines are dump's (dump-format.ts); only Kafka batch entries and damage are shown.
 */
import { topicByName } from '../../src/state/index.js';
import { parseCommandArgs, parseCount, type ParsedArgs } from './args.js';
import { damageJson, damageLine, frameJson, frameLines } from './dump-format.js';
import { ExitCode, UsageError } from './errors.js';
import { readLogIndexState } from './index-reader.js';
import { summariseBatch } from './kafka.js';
import { Printer, type InspectIO } from './output.js';
import { readMetaImage } from './offsets-assignment.js';
import { partitionLogs, pickPartitionLog, type PartitionLogRef } from './partition-log.js';
import type { IndexDb } from './leveldb-copy.js';
import { walkPartition, type BatchSink, type PartitionTotals } from './partition-walk.js';
import { resolveTarget, type SegmentFile, type Target } from './target.js';
import type { WalkedFrame } from './walk.js';
import { withIndex } from './with-index.js';

const DEFAULT_MAX_BYTES = 64;

export const PARTITION_FLAGS = {
  numbers: ['from-offset', 'count', 'max-bytes'],
  booleans: ['deep'],
  strings: ['topic-id'],
  maxPositionals: 3,
} as const;

interface PartitionOptions {
  dataDir: string;
  topic: string;
  partition: number;
  topicId: string | undefined;
  fromOffset: number;
  count: number;
  deep: boolean;
  json: boolean;
  maxBytes: number;
}

interface LogState {
  ref: PartitionLogRef;
  commit: number | undefined;
  firstIndex: number;
  logStartOffset: number | undefined;
}

function optionsOf(args: ParsedArgs): PartitionOptions {
  const [dataDir, topic, partitionRaw] = args.positionals;
  if (dataDir === undefined || topic === undefined || partitionRaw === undefined) throw new UsageError('expected <datadir> <topic> <partition>');
  return {
    dataDir,
    topic,
    partition: parseCount('partition', partitionRaw),
    topicId: args.strings.get('topic-id'),
    fromOffset: args.numbers.get('from-offset') ?? 0,
    count: args.numbers.get('count') ?? Number.MAX_SAFE_INTEGER,
    deep: args.flags.has('deep'),
    json: args.json,
    maxBytes: args.numbers.get('max-bytes') ?? DEFAULT_MAX_BYTES,
  };
}

/** Past --from-offset: a batch is shown when it reaches the offset (or cannot be read at all). */
function reaches(f: WalkedFrame, fromOffset: number): boolean {
  const s = summariseBatch(f.payload);
  return !s.ok || s.batch.lastOffset >= fromOffset;
}

function printingSink(p: Printer, o: PartitionOptions, s: LogState): BatchSink {
  let printed = 0;
  return {
    commit: s.commit,
    firstIndex: s.firstIndex,
    batch: (seg: SegmentFile, f: WalkedFrame, committed: boolean) => {
      if (printed >= o.count || !reaches(f, o.fromOffset)) return;
      printed++;
      const view = { segment: seg.name, frame: f, deep: o.deep, maxBytes: o.maxBytes };
      if (o.json) {
        p.json({ ...frameJson(view), committed });
        return;
      }
      const [first = '', ...rest] = frameLines(view);
      p.line(committed ? first : `${first} (uncommitted)`);
      for (const l of rest) p.line(l);
    },
    damage: (seg, d) => {
      if (o.json) p.json(damageJson(seg.name, d));
      else p.line(`${seg.name} ${damageLine(d)}`);
    },
  };
}

function summaryOf(o: PartitionOptions, s: LogState, t: PartitionTotals): Record<string, unknown> {
  const start = s.logStartOffset ?? 0;
  return {
    log: s.ref.log.logId,
    topic: o.topic,
    partition: o.partition,
    topicIdPrefix: s.ref.topicIdPrefix,
    commitIndex: s.commit ?? null,
    logStartOffset: s.logStartOffset ?? null,
    // Without a hard state nothing says what was committed: no high watermark then.
    highWatermark: s.commit === undefined ? null : (t.committedEnd ?? start),
    logEndOffset: t.logEnd ?? start,
    batches: t.batches,
    records: t.records,
    damaged: t.damaged,
  };
}

function printSummary(p: Printer, o: PartitionOptions, s: LogState, t: PartitionTotals): void {
  const sum = summaryOf(o, s, t);
  if (o.json) {
    p.json({ summary: sum });
    return;
  }
  p.line('');
  p.line(`${o.topic}-${o.partition} (log ${s.ref.log.logId}): ${t.batches} batches, ${t.records} records`);
  p.line(`log start offset ${sum.logStartOffset ?? 'unknown'}, high watermark ${sum.highWatermark ?? 'unknown (no hard state)'}, log end offset ${String(sum.logEndOffset)}, commit index ${sum.commitIndex ?? 'unknown'}`);
  if (t.damaged > 0) p.line(`DAMAGED: ${t.damaged} damaged region(s) or batch(es); offsets after them may be missing above`);
}

/** Why there is no log here, from this node's metadata image: which nodes hold the replicas. */
async function missingLogMessage(o: PartitionOptions, target: Target, db: IndexDb | undefined): Promise<string> {
  const head = `no log of ${o.topic}-${o.partition} in this data dir`;
  const image = await readMetaImage(target, db);
  if (image === undefined) return `${head} (and no readable __meta to say where it is)`;
  const topic = topicByName(image, o.topic);
  if (topic === undefined) return `${head}: this node's metadata has no topic ${o.topic}`;
  const part = topic.partitions[o.partition];
  if (part === undefined) return `${head}: topic ${o.topic} has ${topic.partitions.length} partitions`;
  return `${head}: its replicas are on nodes [${part.replicas.join(',')}] (leader ${part.leader}); inspect one of their data dirs`;
}

async function readLogState(o: PartitionOptions): Promise<LogState> {
  const target = await resolveTarget(o.dataDir);
  if (target.kind !== 'data-dir') throw new UsageError('partition needs a node data directory (it finds logs/<log> by topic name)');
  return withIndex(target, async (db, listed) => {
    if (partitionLogs(listed.logs, o.topic, o.partition).length === 0) throw new UsageError(await missingLogMessage(o, listed, db));
    const ref = pickPartitionLog(listed.logs, o.topic, o.partition, o.topicId);
    const idx = db === undefined ? undefined : await readLogIndexState(db, ref.log.logId);
    return { ref, commit: idx?.hardState?.commit, firstIndex: idx?.meta?.firstIndex ?? 0, logStartOffset: idx?.meta?.startOffset };
  });
}

export async function partitionCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const o = optionsOf(parseCommandArgs(argv, PARTITION_FLAGS));
  const state = await readLogState(o);
  const p = new Printer(io.stdout);
  if (!o.json) p.line(`partition ${o.topic}-${o.partition}: log ${state.ref.log.dir}`);
  const totals = await walkPartition(p, state.ref.log, printingSink(p, o, state));
  printSummary(p, o, state, totals);
  await p.flush(true);
  return totals.damaged > 0 ? ExitCode.CORRUPT : ExitCode.OK;
}

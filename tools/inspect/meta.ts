/**
 * `chronik inspect meta <datadir>`: the committed `__meta` events with their Raft index and term
 * (LeaderElected among them), and the image they replay to — the same `evolve` the node runs,
 * starting from the snapshot the node itself would load (its local one in LevelDB, or one installed
 * from a leader, or a not yet migrated side file). Read-only, like every inspect command: LevelDB
 * is read from a copy, files are only read.
 */
import { join } from 'node:path';
import { decodeEnvelope } from '../../src/raft/driver/envelope.js';
import { advanceApplied, applyCommitted, decodeEvent, decodeImage, digest, emptyImage, topicsByName, type MetadataImage, type MetaEvent } from '../../src/state/index.js';
import { parseCommandArgs, requirePath } from './args.js';
import { ExitCode, UsageError } from './errors.js';
import { readLogIndexState } from './index-reader.js';
import type { IndexDb } from './leveldb-copy.js';
import { readNewestSnapshot, type SnapshotSource } from './meta-snapshot.js';
import { Printer, type InspectIO } from './output.js';
import { readSegmentBytes, resolveTarget, type LogTarget } from './target.js';
import { walkFrames } from './walk.js';
import { withIndex } from './with-index.js';

const META_LOG = '__meta';
const MAX_EVENTS_PRINTED = 1_000_000;

interface MetaRecord {
  index: number;
  term: number;
  committed: boolean;
  event: MetaEvent | null;
  error?: string;
}

export async function metaCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const args = parseCommandArgs(argv, {});
  const target = await resolveTarget(requirePath(args));
  if (target.kind !== 'data-dir') throw new UsageError('meta needs a node data directory (it reads logs/__meta and raft/)');
  const result = await withIndex(target, async (db, listed) => {
    const log = listed.logs.find((l) => l.logId === META_LOG);
    if (log === undefined) throw new UsageError(`no ${META_LOG} log in ${target.path}`);
    const state = db === undefined ? undefined : await readLogIndexState(db, META_LOG);
    return replayMeta(log, db, join(target.path, 'raft'), state?.hardState?.commit);
  });
  const p = new Printer(io.stdout);
  if (args.json) p.json({ target: target.path, ...result, image: imageSummary(result.image), digest: digest(result.image) });
  else printText(p, result.records, result.image, result.snapshotIndex, result.snapshotSource);
  await p.flush(true);
  return result.records.some((r) => r.error !== undefined) ? ExitCode.CORRUPT : ExitCode.OK;
}

/** Replays the node's `__meta` log (from its newest snapshot) up to `commit`; also used by `groups`. */
export async function replayMeta(
  log: LogTarget,
  db: IndexDb | undefined,
  raftDir: string,
  commit: number | undefined,
): Promise<{ records: MetaRecord[]; image: MetadataImage; snapshotIndex: number; snapshotSource: SnapshotSource | null; commitIndex: number | null }> {
  const snapshot = await readNewestSnapshot(db, raftDir, META_LOG);
  let image = snapshot === undefined ? emptyImage() : decodeImage(decodeEnvelope(snapshot.data).image);
  const snapshotIndex = image.appliedIndex;
  const records: MetaRecord[] = [];
  for (const segment of log.segments) {
    const bytes = await readSegmentBytes(segment);
    walkFrames(bytes, {
      frame: (f) => {
        if (!f.crcOk || f.header.index <= image.appliedIndex || records.length >= MAX_EVENTS_PRINTED) return true;
        const committed = commit === undefined || f.header.index <= commit;
        const record = decodeRecord(f.header.index, f.header.term, f.header.type, f.payload, committed);
        if (record.event !== null || record.error !== undefined) records.push(record);
        // Only committed entries change the image; a node never applies past its commit index.
        if (committed && record.error === undefined) {
          image = record.event === null ? advanceApplied(image, f.header.index, f.header.term) : applyCommitted(image, record.event, f.header.index, f.header.term);
        }
        return true;
      },
      damage: () => true,
    });
  }
  return { records, image, snapshotIndex, snapshotSource: snapshot?.source ?? null, commitIndex: commit ?? null };
}

function decodeRecord(index: number, term: number, type: number, payload: Uint8Array, committed: boolean): MetaRecord {
  if (type !== 0 || payload.byteLength === 0) return { index, term, committed, event: null };
  try {
    return { index, term, committed, event: decodeEvent(payload) };
  } catch (err) {
    return { index, term, committed, event: null, error: err instanceof Error ? err.message : String(err) };
  }
}

function describe(event: MetaEvent): string {
  const { type, v: _v, ...fields } = event;
  return `${type} ${JSON.stringify(fields)}`;
}

const SOURCE_TEXT: Record<SnapshotSource, string> = {
  leveldb: 'the local snapshot (LevelDB)',
  installed: "the snapshot installed from the leader",
  'side-file': 'the local snapshot side file (data directory not migrated yet)',
};

function printText(p: Printer, records: readonly MetaRecord[], image: MetadataImage, snapshotIndex: number, source: SnapshotSource | null): void {
  if (snapshotIndex > 0 && source !== null) p.line(`(replay starts from ${SOURCE_TEXT[source]} at index ${snapshotIndex})`);
  for (const r of records) {
    const mark = r.committed ? '' : ' (uncommitted)';
    p.line(`${String(r.index).padStart(8)} term ${String(r.term).padEnd(4)} ${r.error === undefined ? describe(r.event as MetaEvent) : `UNDECODABLE: ${r.error}`}${mark}`);
  }
  p.line('');
  p.line(`image at index ${image.appliedIndex} (term ${image.appliedTerm}), digest ${digest(image)}`);
  p.line(`brokers: ${[...image.brokers.values()].map((b) => `${b.brokerId}@${b.kafkaHost}:${b.kafkaPort}`).join(', ') || '-'}`);
  for (const t of topicsByName(image)) {
    p.line(`topic ${t.name} (${t.topicId}${t.internal ? ', internal' : ''})`);
    for (const part of t.partitions) {
      p.line(`  ${part.partition}: leader ${part.leader} epoch ${part.leaderEpoch} replicas [${part.replicas.join(',')}] isr [${part.isr.join(',')}]`);
    }
  }
}

function imageSummary(image: MetadataImage): unknown {
  return {
    appliedIndex: image.appliedIndex,
    appliedTerm: image.appliedTerm,
    brokers: [...image.brokers.values()],
    topics: topicsByName(image).map((t) => ({ name: t.name, topicId: t.topicId, internal: t.internal, configs: t.configs, partitions: t.partitions })),
    nextProducerId: image.nextProducerId,
  };
}

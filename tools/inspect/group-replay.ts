/**
 * Replaying one `__consumer_offsets` partition log the way the node loads it: every committed,
 * non-empty normal entry holds one append of group records (src/node/group-service.ts), folded in
 * log order by the coordinator's own replayRecord, so tombstones apply exactly as on a load.
 * Entries past the saved commit index are counted but not applied; damage is counted and skipped.
 */
import { replayRecord, type ReplayedGroup } from '../../src/kafka/groups/loader.js';
import { decodeRecords } from '../../src/node/group-service.js';
import { EntryType } from '../../src/wal/entry.js';
import { SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { readSegmentBytes, type LogTarget } from './target.js';
import { walkFrames, type Damage, type WalkedFrame } from './walk.js';

/** Bound on the problems listed per partition (counts stay exact). */
const MAX_PROBLEMS_LISTED = 100;

export interface ReplayProblem {
  segment: string;
  position: number;
  index: number | null;
  message: string;
}

export interface OffsetsPartitionReplay {
  logId: string;
  partition: number;
  commitIndex: number | null;
  /** Entries before it are below the log's start (a segment not yet deleted): the node skips them too. */
  firstIndex: number;
  /** Committed entries that carried group records. */
  appliedEntries: number;
  appliedRecords: number;
  /** Entries holding records past the commit index: written but not (known to be) committed. */
  uncommittedEntries: number;
  problemCount: number;
  problems: ReplayProblem[];
  groups: Map<string, ReplayedGroup>;
}

function addProblem(r: OffsetsPartitionReplay, p: ReplayProblem): void {
  r.problemCount++;
  if (r.problems.length < MAX_PROBLEMS_LISTED) r.problems.push(p);
}

function damageMessage(d: Damage): string {
  const next = d.resumeAt === undefined ? 'nothing readable after it' : `resumes at byte ${d.resumeAt}`;
  return `${d.reason}${d.header === undefined ? '' : ` (header says entry ${d.header.index})`}; ${next}`;
}

function applyEntry(r: OffsetsPartitionReplay, segment: string, f: WalkedFrame, soleVoter: boolean): void {
  if (soleVoter && f.crcOk && r.commitIndex !== null) r.commitIndex = Math.max(r.commitIndex, f.header.index);
  if (f.header.type !== EntryType.NORMAL || f.payload.byteLength === 0 || !f.crcOk || f.header.index < r.firstIndex) return;
  if (r.commitIndex !== null && f.header.index > r.commitIndex) {
    r.uncommittedEntries++;
    return;
  }
  try {
    const records = decodeRecords(f.payload);
    for (const record of records) replayRecord(r.groups, record);
    r.appliedEntries++;
    r.appliedRecords += records.length;
  } catch (err) {
    addProblem(r, { segment, position: f.position, index: f.header.index, message: `undecodable group records: ${err instanceof Error ? err.message : String(err)}` });
  }
}

export interface ReplayBounds {
  /** The saved commit index; undefined when unknown (no LevelDB): then every entry is applied. */
  commit: number | undefined;
  firstIndex: number;
  /**
   * The partition has one replica, so its Raft group one voter: an entry durable in its log is
   * committed (no other copy is needed; a restarted node commits it again as it takes the lead).
   * The saved commit index is only a hint written after the fact, which a SIGKILL can leave a
   * moment behind, so every intact entry counts as committed. Conservative while a reassignment
   * is under way: the image then lists more replicas.
   */
  soleVoter?: boolean;
}

/** Replays one offsets partition's segments. */
export async function replayOffsetsPartition(log: LogTarget, partition: number, bounds: ReplayBounds): Promise<OffsetsPartitionReplay> {
  const r: OffsetsPartitionReplay = {
    logId: log.logId,
    partition,
    commitIndex: bounds.commit ?? null,
    firstIndex: bounds.firstIndex,
    appliedEntries: 0,
    appliedRecords: 0,
    uncommittedEntries: 0,
    problemCount: 0,
    problems: [],
    groups: new Map(),
  };
  for (const seg of log.segments) {
    const bytes = await readSegmentBytes(seg);
    walkFrames(bytes, {
      frame: (f) => {
        applyEntry(r, seg.name, f, bounds.soleVoter === true);
        return true;
      },
      damage: (d) => {
        addProblem(r, { segment: seg.name, position: d.position, index: d.header?.index ?? null, message: damageMessage(d) });
        return true;
      },
    }, SEGMENT_HEADER_BYTES, seg.path === log.lastSegmentPath);
  }
  return r;
}

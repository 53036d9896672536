/**
 * `chronik inspect dump <segment|logdir>`: one line per frame (kafka-dump-log style), optionally each
 * record. Output is streamed: the walk pauses every FRAMES_PER_CHUNK frames to let the printer drain,
 * so memory stays bounded by one segment whatever is dumped.
 */
import { EntryType } from '../../src/wal/entry.js';
import { readBatchFields } from '../../src/wal/kafka-batch.js';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../src/wal/frame.js';
import { parseCommandArgs, requirePath } from './args.js';
import { ExitCode, UsageError } from './errors.js';
import { damageJson, damageLine, frameJson, frameLines } from './dump-format.js';
import { Printer, type InspectIO } from './output.js';
import { readSegmentBytes, resolveTarget, type SegmentFile } from './target.js';
import { walkFrames, type Damage, type WalkedFrame } from './walk.js';

const FRAMES_PER_CHUNK = 1000;
const DEFAULT_MAX_BYTES = 64;

export const DUMP_FLAGS = { numbers: ['from', 'offset', 'count', 'max-bytes'], booleans: ['deep'] } as const;

interface DumpOptions {
  from: number | undefined;
  offset: number | undefined;
  count: number;
  deep: boolean;
  json: boolean;
  maxBytes: number;
}

/** Mutable progress of one dump across segments. */
interface DumpState {
  printed: number;
  /** --offset: printing starts at the first batch reaching the offset, then everything after. */
  started: boolean;
}

function wanted(o: DumpOptions, st: DumpState, f: WalkedFrame): boolean {
  if (o.from !== undefined && f.header.index < o.from) return false;
  if (o.offset === undefined || st.started) return true;
  if (f.header.type !== EntryType.KAFKA_BATCH || !f.crcOk) return false;
  try {
    st.started = readBatchFields(f.payload).lastOffset >= o.offset;
  } catch {
    return false;
  }
  return st.started;
}

function emitFrame(p: Printer, o: DumpOptions, seg: SegmentFile, f: WalkedFrame): void {
  const view = { segment: seg.name, frame: f, deep: o.deep, maxBytes: o.maxBytes };
  if (o.json) p.json(frameJson(view));
  else for (const l of frameLines(view)) p.line(l);
}

function emitDamage(p: Printer, o: DumpOptions, seg: SegmentFile, d: Damage): void {
  if (o.json) p.json(damageJson(seg.name, d));
  else p.line(damageLine(d));
}

/** Dumps one segment in chunks; false once --count frames have been printed. */
async function dumpSegment(p: Printer, o: DumpOptions, st: DumpState, seg: SegmentFile, lastSegment: boolean): Promise<boolean> {
  const bytes = await readSegmentBytes(seg);
  if (!o.json) p.line(`segment ${seg.path} (base index ${seg.baseIndex}, ${seg.sizeBytes} bytes)`);
  let next: number | undefined = SEGMENT_HEADER_BYTES;
  while (next !== undefined && st.printed < o.count) {
    let inChunk = 0;
    const start: number = next;
    next = undefined;
    walkFrames(
      bytes,
      {
        frame: (f) => {
          if (wanted(o, st, f)) {
            emitFrame(p, o, seg, f);
            st.printed++;
            inChunk++;
          }
          if (st.printed >= o.count || inChunk < FRAMES_PER_CHUNK) return st.printed < o.count;
          next = f.position + FRAME_HEADER_BYTES + f.header.length;
          return false;
        },
        damage: (d) => {
          emitDamage(p, o, seg, d);
          return true;
        },
        // Text only: JSON lines are frames or damage (tools/soak/replicas.ts counts any other
        // record as damage), and a hole is neither.
        preallocated: (position, n) => {
          if (!o.json) p.line(`@${position} preallocated: ${n} bytes of zeros past the last frame (the log's end)`);
        },
      },
      start,
      lastSegment,
    );
    await p.flush();
  }
  return st.printed < o.count;
}

/** With --from, segments wholly before the wanted index are skipped by their names. */
function segmentsFrom(segments: readonly SegmentFile[], from: number | undefined): SegmentFile[] {
  if (from === undefined) return [...segments];
  let first = 0;
  segments.forEach((s, i) => {
    if (s.baseIndex <= from) first = i;
  });
  return segments.slice(first);
}

function optionsOf(args: ReturnType<typeof parseCommandArgs>): DumpOptions {
  const from = args.numbers.get('from');
  const offset = args.numbers.get('offset');
  if (from !== undefined && offset !== undefined) throw new UsageError('give --from (entry index) or --offset (Kafka offset), not both');
  return { from, offset, count: args.numbers.get('count') ?? Number.MAX_SAFE_INTEGER, deep: args.flags.has('deep'), json: args.json, maxBytes: args.numbers.get('max-bytes') ?? DEFAULT_MAX_BYTES };
}

export async function dumpCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const args = parseCommandArgs(argv, DUMP_FLAGS);
  const o = optionsOf(args);
  const target = await resolveTarget(requirePath(args));
  if (target.kind === 'data-dir') throw new UsageError(`dump takes a log dir or a segment file; ${target.path} is a data dir (try ${target.path}/logs/<log>)`);
  const log = target.logs[0];
  const p = new Printer(io.stdout);
  const st: DumpState = { printed: 0, started: false };
  for (const seg of segmentsFrom(log?.segments ?? [], o.from)) {
    if (!(await dumpSegment(p, o, st, seg, seg.path === log?.lastSegmentPath))) break;
  }
  await p.flush(true);
  return ExitCode.OK;
}

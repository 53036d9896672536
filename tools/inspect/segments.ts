/** `chronik inspect segments <dir>`: the segments of each log with their index range, size and frame counts. */
import { parseCommandArgs, requirePath } from './args.js';
import { ExitCode } from './errors.js';
import { Findings } from './findings.js';
import { table } from './format.js';
import { scanLog, type LogScan, type SegmentStats } from './log-scan.js';
import { Printer, type InspectIO } from './output.js';
import { Progress } from './progress.js';
import { resolveTarget } from './target.js';
import { totalBytes } from './with-index.js';
import { describeJournal, journalJson } from './journal.js';

function status(s: SegmentStats): string {
  if (!s.headerOk) return 'BAD HEADER';
  if (s.damaged > 0 || s.badCrcFrames > 0) return 'DAMAGED';
  if (s.tornTailBytes > 0) return `torn tail ${s.tornTailBytes} B`;
  if (s.preallocatedBytes > 0) return `ok, preallocated ${s.preallocatedBytes} B`;
  return 'ok';
}

function segmentJson(s: SegmentStats): Record<string, unknown> {
  return {
    file: s.file.name,
    path: s.file.path,
    baseIndex: s.file.baseIndex,
    firstIndex: s.firstIndex ?? null,
    lastIndex: s.lastIndex ?? null,
    sizeBytes: s.file.sizeBytes,
    frames: s.frames,
    badCrcFrames: s.badCrcFrames,
    damagedRegions: s.damaged,
    tornTailBytes: s.tornTailBytes,
    preallocatedBytes: s.preallocatedBytes,
    headerOk: s.headerOk,
    version: s.version ?? null,
  };
}

function printLog(p: Printer, scan: LogScan, dir: string): void {
  p.line(`log ${scan.logId} (${dir})`);
  const rows = scan.segments.map((s) => [s.file.name, String(s.firstIndex ?? '-'), String(s.lastIndex ?? '-'), String(s.file.sizeBytes), String(s.frames), String(s.badCrcFrames), status(s)]);
  for (const l of table(['segment', 'first', 'last', 'bytes', 'frames', 'bad-crc', 'status'], rows)) p.line(`  ${l}`);
}

export async function segmentsCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const args = parseCommandArgs(argv, {});
  const target = await resolveTarget(requirePath(args));
  const progress = new Progress(io, 'segments', totalBytes(target));
  const p = new Printer(io.stdout);
  const logs: Array<Record<string, unknown>> = [];
  const j = target.journal;
  // A clean shutdown leaves an empty journal: worth a line only when opening would act on it.
  if (j !== undefined && !args.json && (j.records > 0 || j.cut !== undefined || j.corrupt !== undefined)) p.line(describeJournal(j));
  for (const log of target.logs) {
    // Problems are verify's business; here only the per-segment counts are shown.
    const scan = await scanLog(log, new Findings(0), { checkBatches: false, onBytes: (n) => progress.add(n) });
    if (args.json) logs.push({ logId: log.logId, dir: log.dir, segments: scan.segments.map(segmentJson) });
    else printLog(p, scan, log.dir);
    await p.flush();
  }
  progress.finish();
  if (args.json) p.json({ target: target.path, kind: target.kind, logs, journal: target.journal === undefined ? null : journalJson(target.journal) });
  await p.flush(true);
  return ExitCode.OK;
}

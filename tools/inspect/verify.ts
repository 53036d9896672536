/**
 * `chronik inspect verify <dir>`: every check this tool knows, over every log of the target; exit 1
 * on corruption. Order matters on a live node: the LevelDB copy is taken before the segments are
 * read, and the index is only ever written after the segment bytes are durable, so a consistent
 * node never looks inconsistent here.
 */
import { parseCommandArgs, requirePath } from './args.js';
import { ExitCode } from './errors.js';
import { describeFinding, Findings } from './findings.js';
import { mib } from './format.js';
import { IndexChecker, type IndexReport } from './index-check.js';
import type { IndexDb } from './leveldb-copy.js';
import { scanLog, type LogScan } from './log-scan.js';
import type { InspectIO } from './output.js';
import { Printer } from './output.js';
import { Progress } from './progress.js';
import { resolveTarget, type LogTarget, type Target } from './target.js';
import { totalBytes, withIndex } from './with-index.js';
import { registeredLogs } from './index-reader.js';
import { hardStateFindings } from './raft-check.js';
import { journalFindings, journalJson } from './journal.js';

/** Problems shown in text mode; --json lists up to --max-problems. */
const TEXT_PROBLEMS = 20;
const MAX_REGISTERED_LOGS = 1_000_000;

export const VERIFY_FLAGS = { numbers: ['max-problems'] } as const;

interface VerifyResult {
  scans: LogScan[];
  index: IndexReport[];
  findings: Findings;
  seconds: number;
}

async function verifyLog(log: LogTarget, db: IndexDb | undefined, findings: Findings, progress: Progress): Promise<{ scan: LogScan; index: IndexReport | undefined }> {
  const checker = db === undefined ? undefined : new IndexChecker(db, log.logId);
  await checker?.prepare();
  const firstIndex = checker?.metaFirstIndex;
  const marker = checker?.logState?.meta?.pendingReset === false ? checker.logState.marker : undefined;
  const scan = await scanLog(log, findings, {
    checkBatches: true,
    ...(firstIndex === undefined ? {} : { firstIndex }),
    ...(marker === undefined ? {} : { durableMark: { segmentBase: marker.segmentBase, position: marker.endPosition } }),
    onBytes: (n) => progress.add(n),
    ...(checker === undefined ? {} : { onFrame: checker.onFrame.bind(checker), onDamage: checker.noteDamage.bind(checker) }),
  });
  const state = checker?.logState;
  for (const f of hardStateFindings(log.logId, state?.hardState, state?.meta, scan)) findings.add(f);
  return { scan, index: checker?.finish(findings) };
}

async function warnUnlistedLogs(db: IndexDb, target: Target, findings: Findings): Promise<void> {
  if (target.kind !== 'data-dir') return;
  const present = new Set(target.logs.map((l) => l.logId));
  for (const [logId] of await registeredLogs(db, MAX_REGISTERED_LOGS)) {
    if (!present.has(logId)) findings.add({ severity: 'warning', logId, message: 'log is registered in LevelDB but has no directory under logs/' });
  }
}

export async function runVerify(target: Target, io: InspectIO, maxProblems: number): Promise<VerifyResult> {
  const findings = new Findings(maxProblems);
  const progress = new Progress(io, 'verify', totalBytes(target));
  const result = await withIndex(target, async (db, listed) => {
    if (db !== undefined) await warnUnlistedLogs(db, listed, findings);
    if (listed.journal !== undefined) journalFindings(listed.journal, findings, listed.missingSegments ?? []);
    const scans: LogScan[] = [];
    const index: IndexReport[] = [];
    for (const log of listed.logs) {
      const r = await verifyLog(log, db, findings, progress);
      scans.push(r.scan);
      if (r.index !== undefined) index.push(r.index);
    }
    return { scans, index };
  });
  progress.finish();
  return { ...result, findings, seconds: progress.throughput().seconds };
}

function summaryLine(target: Target, r: VerifyResult): string {
  const bytes = r.scans.reduce((s, l) => s + l.bytes, 0);
  const frames = r.scans.reduce((s, l) => s + l.frames, 0);
  const segments = r.scans.reduce((s, l) => s + l.segments.length, 0);
  const rate = r.seconds > 0 ? `${mib(bytes / r.seconds)}/s` : 'n/a';
  const index = target.indexDir === undefined ? 'no LevelDB index' : `LevelDB index checked for ${r.index.length} logs`;
  return `verified ${target.path}: ${r.scans.length} logs, ${segments} segments, ${frames} frames, ${mib(bytes)} in ${r.seconds.toFixed(2)} s (${rate}); ${index}`;
}

/**
 * Preallocated holes (recovery row 14) are not findings, every live store's active segments have
 * one; they are named so that an operator comparing file sizes with frames knows why.
 */
function printPreallocated(p: Printer, r: VerifyResult): void {
  const segs = r.scans.flatMap((s) => s.segments.filter((g) => g.preallocatedBytes > 0).map((g) => ({ logId: s.logId, g })));
  for (const { logId, g } of segs.slice(0, TEXT_PROBLEMS)) {
    p.line(`note: log ${logId}, segment ${g.file.path}: preallocated ${g.preallocatedBytes} bytes of zeros past the last frame (a live or crashed store; opening trims them)`);
  }
  if (segs.length > TEXT_PROBLEMS) p.line(`… ${segs.length - TEXT_PROBLEMS} more preallocated segments (--json lists them)`);
}

function printText(p: Printer, target: Target, r: VerifyResult): void {
  const f = r.findings;
  p.line(summaryLine(target, r));
  printPreallocated(p, r);
  for (const w of f.warnings.slice(0, TEXT_PROBLEMS)) p.line(`warning: ${describeFinding(w)}`);
  if (f.warningCount > TEXT_PROBLEMS) p.line(`… ${f.warningCount - TEXT_PROBLEMS} more warnings (--json lists them)`);
  const first = f.first;
  if (first === undefined) {
    p.line(`OK: no corruption${f.warningCount > 0 ? ` (${f.warningCount} warnings)` : ''}`);
    return;
  }
  p.line(`CORRUPTION: first problem: ${describeFinding(first)}`);
  for (const c of f.corruptions.slice(1, TEXT_PROBLEMS)) p.line(`  also: ${describeFinding(c)}`);
  p.line(`${f.corruptionCount} problems found${f.corruptionCount > TEXT_PROBLEMS ? ' (--json lists them)' : ''}`);
}

function jsonOf(target: Target, r: VerifyResult): Record<string, unknown> {
  const f = r.findings;
  return {
    ok: f.corruptionCount === 0,
    target: target.path,
    kind: target.kind,
    logs: r.scans.map((s) => ({
      logId: s.logId,
      segments: s.segments.length,
      frames: s.frames,
      bytes: s.bytes,
      preallocatedBytes: s.segments.reduce((sum, g) => sum + g.preallocatedBytes, 0),
      lastIndex: s.lastIndex ?? null,
      lastTerm: s.lastTerm ?? null,
    })),
    index: r.index,
    journal: target.journal === undefined ? null : journalJson(target.journal),
    seconds: r.seconds,
    corruptionCount: f.corruptionCount,
    warningCount: f.warningCount,
    firstProblem: f.first ?? null,
    problems: f.corruptions,
    warnings: f.warnings,
    truncated: f.corruptions.length < f.corruptionCount || f.warnings.length < f.warningCount,
  };
}

export async function verifyCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const args = parseCommandArgs(argv, VERIFY_FLAGS);
  const target = await resolveTarget(requirePath(args));
  const r = await runVerify(target, io, args.numbers.get('max-problems') ?? 1000);
  const p = new Printer(io.stdout);
  if (args.json) p.json(jsonOf(target, r));
  else printText(p, target, r);
  await p.flush(true);
  return r.findings.corruptionCount === 0 ? ExitCode.OK : ExitCode.CORRUPT;
}

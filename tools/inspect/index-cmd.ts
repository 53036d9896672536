/** `chronik inspect index <dir>`: the LevelDB index checked against the segments, on a copy. */
import { parseCommandArgs, requirePath } from './args.js';
import { ExitCode, UsageError } from './errors.js';
import { describeFinding, Findings } from './findings.js';
import { IndexChecker, type IndexReport } from './index-check.js';
import { scanLog } from './log-scan.js';
import { Printer, type InspectIO } from './output.js';
import { Progress } from './progress.js';
import { resolveTarget } from './target.js';
import { totalBytes, withIndex } from './with-index.js';

const TEXT_PROBLEMS = 20;

function printReport(p: Printer, r: IndexReport): void {
  const m = r.marker;
  const marker = m === undefined ? 'none' : `entry ${m.lastIndex} (segment ${m.segmentBase} byte ${m.endPosition})${r.markerAgrees === true ? '' : ' DISAGREES'}`;
  p.line(`log ${r.logId}: epoch ${r.epoch ?? '-'}, indexed up to ${marker}; keys: ${r.keys.points} points, ${r.keys.terms} term runs, ${r.keys.offsets} offsets, ${r.keys.timestamps} timestamps; ${r.unindexedEntries} entries not yet indexed${r.partial ? ' (PARTIAL: key limit reached)' : ''}`);
}

export async function indexCommand(argv: readonly string[], io: InspectIO): Promise<number> {
  const args = parseCommandArgs(argv, {});
  const target = await resolveTarget(requirePath(args));
  if (target.indexDir === undefined) throw new UsageError(`${target.path}: no LevelDB index (expected <dataDir>/index)`);
  const findings = new Findings();
  const segmentProblems = new Findings(0);
  const progress = new Progress(io, 'index', totalBytes(target));
  const reports = await withIndex(target, async (db, listed) => {
    const out: IndexReport[] = [];
    for (const log of listed.logs) {
      if (db === undefined) break;
      const checker = new IndexChecker(db, log.logId);
      await checker.prepare();
      await scanLog(log, segmentProblems, { checkBatches: false, onFrame: checker.onFrame.bind(checker), onDamage: checker.noteDamage.bind(checker), onBytes: (n) => progress.add(n) });
      out.push(checker.finish(findings));
    }
    return out;
  });
  progress.finish();
  const p = new Printer(io.stdout);
  if (args.json) {
    p.json({ ok: findings.corruptionCount === 0, logs: reports, corruptionCount: findings.corruptionCount, warningCount: findings.warningCount, problems: findings.corruptions, warnings: findings.warnings, segmentProblems: segmentProblems.corruptionCount });
  } else {
    for (const r of reports) printReport(p, r);
    for (const w of findings.warnings.slice(0, TEXT_PROBLEMS)) p.line(`warning: ${describeFinding(w)}`);
    for (const c of findings.corruptions.slice(0, TEXT_PROBLEMS)) p.line(`PROBLEM: ${describeFinding(c)}`);
    if (segmentProblems.corruptionCount > 0) p.line(`note: the segments themselves have ${segmentProblems.corruptionCount} problems; run 'chronik inspect verify'`);
    p.line(findings.corruptionCount === 0 ? 'OK: index consistent with the segments' : `${findings.corruptionCount} index problems found`);
  }
  await p.flush(true);
  return findings.corruptionCount === 0 ? ExitCode.OK : ExitCode.CORRUPT;
}

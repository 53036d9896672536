/**
 * Resolving what the operator pointed at — a data dir, one log dir or one segment file — into logs
 * and their segment files. Read-only: only stat and readdir.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseSegmentFileName } from '../../src/wal/frame.js';
import { InspectReadError, UsageError } from './errors.js';
import { applyRedo, readJournalView, type JournalView, type RedoWrite } from './journal.js';

/** Bound on the logs of one data dir and the files of one log dir this tool will look at. */
const MAX_DIR_ENTRIES = 1_000_000;

export interface SegmentFile {
  path: string;
  name: string;
  /** From the file name. */
  baseIndex: number;
  sizeBytes: number;
  /** The redo journal's records for this segment: reads apply them, as opening the store would. */
  redo?: RedoWrite[];
}

export interface LogTarget {
  /** Decoded from the directory name (ids are percent-encoded into names). */
  logId: string;
  dir: string;
  segments: SegmentFile[];
  /** Files in the log dir that are not segments. */
  strayFiles: string[];
  /** The log's last segment: only its tail may be torn (a lone segment target may not be it). */
  lastSegmentPath: string | undefined;
}

export interface Target {
  kind: 'data-dir' | 'log-dir' | 'segment';
  path: string;
  /** The node's LevelDB directory when the target lies inside a data dir that has one. */
  indexDir: string | undefined;
  logs: LogTarget[];
  /** The data dir's redo journal, when the target lies in a data dir that has one. */
  journal?: JournalView;
  /** Segments the journal has records for but that are missing (opening makes them again). */
  missingSegments?: string[];
}

/** Inverse of the WAL's sanitiseLogId: percent-decode the bytes, then UTF-8. */
export function logIdOfDirName(name: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const m = name[i] === '%' ? /^[0-9A-Fa-f]{2}$/.exec(name.slice(i + 1, i + 3)) : null;
    if (m !== null) {
      bytes.push(parseInt(m[0], 16));
      i += 2;
    } else bytes.push(name.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes).toString('utf8');
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InspectReadError(`cannot stat ${path}`, { cause: err });
  }
}

async function listDir(path: string): Promise<string[]> {
  try {
    const names = await readdir(path);
    if (names.length > MAX_DIR_ENTRIES) throw new InspectReadError(`${path} has ${names.length} entries, more than ${MAX_DIR_ENTRIES}`);
    return names.sort();
  } catch (err) {
    if (err instanceof InspectReadError) throw err;
    throw new InspectReadError(`cannot list ${path}`, { cause: err });
  }
}

async function segmentFile(path: string): Promise<SegmentFile | undefined> {
  const name = basename(path);
  const baseIndex = parseSegmentFileName(name);
  const st = await statOrUndefined(path);
  if (baseIndex === undefined || st === undefined || !st.isFile()) return undefined;
  return { path, name, baseIndex, sizeBytes: st.size };
}

export async function readLogDir(dir: string): Promise<LogTarget> {
  const segments: SegmentFile[] = [];
  const strayFiles: string[] = [];
  for (const name of await listDir(dir)) {
    const seg = await segmentFile(join(dir, name));
    if (seg === undefined) strayFiles.push(name);
    else segments.push(seg);
  }
  segments.sort((a, b) => a.baseIndex - b.baseIndex);
  return { logId: logIdOfDirName(basename(dir)), dir, segments, strayFiles, lastSegmentPath: segments[segments.length - 1]?.path };
}

async function indexDirOf(dataDir: string): Promise<string | undefined> {
  const st = await statOrUndefined(join(dataDir, 'index'));
  return st?.isDirectory() === true ? join(dataDir, 'index') : undefined;
}

async function isDataDir(dir: string): Promise<boolean> {
  return (await statOrUndefined(join(dir, 'logs')))?.isDirectory() === true;
}

/** A log dir sits at <dataDir>/logs/<name>: then the data dir's index can be used for it. */
async function enclosingDataDir(logDir: string): Promise<string | undefined> {
  const logs = dirname(logDir);
  if (basename(logs) !== 'logs') return undefined;
  const dataDir = dirname(logs);
  return (await isDataDir(dataDir)) ? dataDir : undefined;
}

async function resolveFiles(pathArg: string): Promise<Target & { dataDir: string | undefined }> {
  const path = resolve(pathArg);
  const st = await statOrUndefined(path);
  if (st === undefined) throw new UsageError(`${pathArg}: no such file or directory`);
  if (st.isFile()) {
    const seg = await segmentFile(path);
    if (seg === undefined) throw new UsageError(`${pathArg}: not a segment file (expected a name like 00000000000000000001.log)`);
    const siblings = await readLogDir(dirname(path));
    const log: LogTarget = { ...siblings, segments: [seg], strayFiles: [] };
    return { kind: 'segment', path, indexDir: undefined, logs: [log], dataDir: await enclosingDataDir(dirname(path)) };
  }
  if (!st.isDirectory()) throw new UsageError(`${pathArg}: not a file or directory`);
  if (await isDataDir(path)) {
    const logsDir = join(path, 'logs');
    const logs: LogTarget[] = [];
    for (const name of await listDir(logsDir)) {
      if ((await statOrUndefined(join(logsDir, name)))?.isDirectory() === true) logs.push(await readLogDir(join(logsDir, name)));
    }
    return { kind: 'data-dir', path, indexDir: await indexDirOf(path), logs, dataDir: path };
  }
  const log = await readLogDir(path);
  const dataDir = await enclosingDataDir(path);
  if (log.segments.length === 0 && dataDir === undefined) {
    throw new UsageError(`${pathArg}: not a Chronik data dir (no logs/), log dir (no segment files) or segment file`);
  }
  return { kind: 'log-dir', path, indexDir: dataDir === undefined ? undefined : await indexDirOf(dataDir), logs: [log], dataDir };
}

export async function resolveTarget(pathArg: string): Promise<Target> {
  const { dataDir, ...target } = await resolveFiles(pathArg);
  const journal = dataDir === undefined ? undefined : await readJournalView(dataDir);
  if (journal === undefined) return target;
  const listed = new Set<string>();
  for (const log of target.logs) {
    for (const seg of log.segments) {
      listed.add(seg.path);
      const redo = journal.redo.get(seg.path);
      if (redo === undefined) continue;
      seg.redo = redo;
      seg.sizeBytes = redo.reduce((end, w) => Math.max(end, w.position + w.data.byteLength), seg.sizeBytes);
    }
  }
  // Only a whole data dir lists every segment; a narrower target says nothing about the others.
  const missingSegments = target.kind === 'data-dir' ? [...journal.redo.keys()].filter((p) => !listed.has(p)) : [];
  return { ...target, journal, missingSegments };
}

/** Reads one whole segment; segments are bounded by the WAL's segmentBytes plus one frame. */
export async function readSegmentBytes(seg: SegmentFile): Promise<Buffer> {
  try {
    return applyRedo(await readFile(seg.path), seg.redo);
  } catch (err) {
    throw new InspectReadError(`cannot read ${seg.path}`, { cause: err });
  }
}

/** The same target with its segment listings read again (see withIndex for why). */
export function relistTarget(target: Target): Promise<Target> {
  return resolveTarget(target.path);
}

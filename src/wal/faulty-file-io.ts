/**
 * An in-memory FileIO that knows which bytes are durable. `crash()` models power loss: every file
 * goes back to its last fdatasync'd state, then a prefix of the unsynced operations is replayed with
 * the last one torn at a (seeded) random or chosen byte. Files whose directory entry was never made
 * durable (syncDir) disappear. Without faults it doubles as the file layer of the in-memory mode.
 *
 * With `tear: 'reorder'` the crash instead keeps a random SUBSET of the unsynced writes' pages
 * (`pageBytes`), as a kernel writing back dirty pages in any order would: a zeroed page can then sit
 * before pages that did reach the disk (recovery table row 13).
 *
 * A handle opened with `dsync` models O_DSYNC: a write that resolves has made its own bytes and the
 * file's current size durable (earlier unsynced writes elsewhere in the file stay unsynced, earlier
 * truncates become durable with the size). A dsync write in flight at a crash is an unsynced write
 * (torn or lost like one), and `failNextDatasync` fails the sync part of a dsync write: its bytes
 * stay in the "page cache", the call rejects.
 *
 * Sparse, like the files it models: a truncate that grows a file (preallocation) allocates nothing;
 * bytes past `data`'s end read as zeros, so a log store that extends a thousand files by megabytes
 * costs no memory here.
 *
 * Simplification, on purpose: unlink and rmdir are durable at once.
 */
import type { FileHandle, FileIO, FileStat, OpenOptions } from './file-io.js';
import { assert } from '../util/assert.js';

type Op = { kind: 'write'; position: number; bytes: Uint8Array } | { kind: 'truncate'; sizeBytes: number };

/**
 * A file's bytes: `data` holds [0, min(length, data.byteLength)); bytes from there to `length` are
 * zeros (a hole). `durable` and `durableLength` are the same pair for the last synced state.
 */
interface MemFile {
  data: Uint8Array;
  length: number;
  durable: Uint8Array;
  durableLength: number;
  unsynced: Op[];
  entryDurable: boolean;
}

export interface CrashOptions {
  /**
   * 'none' loses every unsynced op; 'random' (default) keeps a random prefix, tearing the last;
   * 'reorder' keeps each unsynced page (and each unsynced truncate) with probability 1/2.
   */
  tear?: 'none' | 'random' | 'reorder';
  /** Page size for 'reorder' (default 4096; tests use small pages so that frames span several). */
  pageBytes?: number;
}

class FaultError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

/** mulberry32: tiny, seeded, good enough to pick tear points reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class FaultyFileIO implements FileIO {
  private readonly files = new Map<string, MemFile>();
  private readonly dirs = new Set<string>(['/']);
  private readonly fds = new Map<FileHandle, string>();
  private readonly dsyncFds = new Set<FileHandle>();
  private nextFd = 3;
  private failDatasyncs = 0;
  private failWrites = 0;
  private crashCountdown: number | undefined;
  private crashOptions: CrashOptions = {};
  private readonly random: () => number;
  /** Counters, for tests that prove batching. */
  datasyncCalls = 0;
  writeCalls = 0;
  /** Writes on dsync handles that became durable. */
  dsyncWrites = 0;

  constructor(opts: { seed?: number } = {}) {
    this.random = prng(opts.seed ?? 1);
  }

  /** The next `count` fdatasync calls fail with EIO (and sync nothing). */
  failNextDatasync(count = 1): void {
    this.failDatasyncs += count;
  }

  /**
   * Power loss at a chosen point: the `n`-th mutating call from now (write, datasync, truncate,
   * unlink, syncDir, creating open) crashes first and then fails.
   */
  crashAfterOps(n: number, opts: CrashOptions = {}): void {
    this.crashCountdown = n;
    this.crashOptions = opts;
  }

  private maybeCrash(): void {
    if (this.crashDue()) this.crashNow();
  }

  /** Counts one mutating call; true when the injected crash happens at this one. */
  private crashDue(): boolean {
    if (this.crashCountdown === undefined) return false;
    this.crashCountdown--;
    if (this.crashCountdown > 0) return false;
    this.crashCountdown = undefined;
    return true;
  }

  private crashNow(): never {
    this.crash(this.crashOptions);
    throw new FaultError('EIO', 'injected crash');
  }

  /** The next `count` writes fail with EIO (and write nothing). */
  failNextWrite(count = 1): void {
    this.failWrites += count;
  }

  /** Power loss: see the file comment. Every open handle becomes invalid. */
  crash(opts: CrashOptions = {}): void {
    this.crashCountdown = undefined;
    for (const [path, file] of [...this.files]) {
      if (!file.entryDurable) {
        this.files.delete(path);
        continue;
      }
      const ops = file.unsynced;
      file.data = file.durable.slice();
      file.length = file.durableLength;
      file.unsynced = [];
      if (opts.tear === 'reorder') this.replaySubset(file, ops, opts.pageBytes ?? 4096);
      else if (opts.tear !== 'none' && ops.length > 0) this.replayPrefix(file, ops);
      markDurable(file);
    }
    this.fds.clear();
    this.dsyncFds.clear();
  }

  private replayPrefix(file: MemFile, ops: Op[]): void {
    const keep = Math.floor(this.random() * (ops.length + 1));
    for (let i = 0; i < keep; i++) {
      const op = ops[i];
      assert(op !== undefined);
      const last = i === keep - 1;
      if (op.kind === 'truncate') this.applyTruncate(file, op.sizeBytes);
      else {
        const cut = last ? Math.floor(this.random() * (op.bytes.byteLength + 1)) : op.bytes.byteLength;
        this.applyWrite(file, op.position, op.bytes.subarray(0, cut));
      }
    }
  }

  /**
   * Out-of-order write-back: every page-aligned piece of every unsynced write persists or not, on
   * its own. A page that never made it reads as zeros when a later one extended the file. Bounded:
   * pieces ≤ unsynced bytes / pageBytes + ops.
   */
  private replaySubset(file: MemFile, ops: Op[], pageBytes: number): void {
    assert(pageBytes > 0);
    for (const op of ops) {
      if (op.kind === 'truncate') {
        if (this.random() < 0.5) this.applyTruncate(file, op.sizeBytes);
        continue;
      }
      let p = op.position;
      const end = op.position + op.bytes.byteLength;
      while (p < end) {
        const pageEnd = Math.min(end, (Math.floor(p / pageBytes) + 1) * pageBytes);
        if (this.random() < 0.5) this.applyWrite(file, p, op.bytes.subarray(p - op.position, pageEnd - op.position));
        p = pageEnd;
      }
    }
  }

  /** Raw current contents of a file (tests use this to corrupt bytes on purpose); fills its holes. */
  contents(path: string): Uint8Array | undefined {
    const f = this.files.get(path);
    if (f === undefined) return undefined;
    ensureCapacity(f, f.length);
    return f.data.subarray(0, f.length);
  }

  /** Overwrites bytes in place and marks them durable: models bit rot, not a write. */
  corrupt(path: string, position: number, bytes: Uint8Array): void {
    const f = this.files.get(path);
    assert(f !== undefined, `no file ${path}`);
    assert(position + bytes.byteLength <= f.length, 'corrupt stays inside the file');
    ensureCapacity(f, f.length);
    f.data.set(bytes, position);
    markDurable(f);
  }

  async open(path: string, opts: OpenOptions): Promise<FileHandle> {
    if (!this.files.has(path)) {
      if (!opts.create) throw new FaultError('ENOENT', path);
      this.maybeCrash();
      if (!this.dirs.has(parentOf(path))) throw new FaultError('ENOENT', parentOf(path));
      this.files.set(path, { data: new Uint8Array(4096), length: 0, durable: new Uint8Array(0), durableLength: 0, unsynced: [], entryDurable: false });
    }
    const fd = this.nextFd++;
    this.fds.set(fd, path);
    if (opts.dsync === true) this.dsyncFds.add(fd);
    return fd;
  }

  private file(fd: FileHandle): MemFile {
    const path = this.fds.get(fd);
    const f = path === undefined ? undefined : this.files.get(path);
    if (f === undefined) throw new FaultError('EBADF', `fd ${fd}`);
    return f;
  }

  async read(fd: FileHandle, into: Uint8Array, position: number): Promise<number> {
    return this.readSync(fd, into, position);
  }

  readSync(fd: FileHandle, into: Uint8Array, position: number): number {
    const f = this.file(fd);
    const n = Math.max(0, Math.min(into.byteLength, f.length - position));
    const stored = Math.max(0, Math.min(n, f.data.byteLength - position));
    into.set(f.data.subarray(position, position + stored));
    // The rest lies in the hole past `data`: zeros.
    into.fill(0, stored, n);
    return n;
  }

  async write(fd: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<void> {
    const dsync = this.dsyncFds.has(fd);
    // A plain write at the crash point never started; a dsync write is in flight: torn or lost.
    const crashing = this.crashDue();
    if (crashing && !dsync) this.crashNow();
    const f = this.file(fd);
    this.writeCalls++;
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new FaultError('EIO', 'injected write failure');
    }
    const ops: Op[] = [];
    let pos = position;
    for (const b of buffers) {
      const copy = b.slice();
      this.applyWrite(f, pos, copy);
      ops.push({ kind: 'write', position: pos, bytes: copy });
      pos += b.byteLength;
    }
    f.unsynced.push(...ops);
    if (crashing) this.crashNow();
    if (dsync) this.syncWritten(f, ops);
  }

  /** The O_DSYNC part of a write: its bytes, earlier truncates and the current size become durable. */
  private syncWritten(f: MemFile, ops: readonly Op[]): void {
    if (this.failDatasyncs > 0) {
      this.failDatasyncs--;
      throw new FaultError('EIO', 'injected O_DSYNC write-back failure');
    }
    this.dsyncWrites++;
    const image: MemFile = { data: f.durable.slice(), length: f.durableLength, durable: f.durable, durableLength: f.durableLength, unsynced: [], entryDurable: true };
    for (const op of f.unsynced) if (op.kind === 'truncate') this.applyTruncate(image, op.sizeBytes);
    for (const op of ops) if (op.kind === 'write') this.applyWrite(image, op.position, op.bytes);
    this.applyTruncate(image, f.length);
    f.durable = image.data.slice(0, Math.min(image.length, image.data.byteLength));
    f.durableLength = image.length;
    // Writes before a now-durable truncate are treated as lost (one of their possible fates), so a
    // crash never replays them over the size the truncate made durable.
    const lastTruncate = f.unsynced.map((op) => op.kind).lastIndexOf('truncate');
    f.unsynced = f.unsynced.slice(lastTruncate + 1).filter((op) => !ops.includes(op));
  }

  private applyWrite(f: MemFile, position: number, bytes: Uint8Array): void {
    const end = position + bytes.byteLength;
    ensureCapacity(f, end);
    if (position > f.length) f.data.fill(0, f.length, position);
    f.data.set(bytes, position);
    f.length = Math.max(f.length, end);
  }

  /** Growing leaves a hole: zeros, of which only the part inside `data` needs clearing. */
  private applyTruncate(f: MemFile, sizeBytes: number): void {
    if (sizeBytes > f.length) f.data.fill(0, Math.min(f.length, f.data.byteLength), Math.min(sizeBytes, f.data.byteLength));
    f.length = sizeBytes;
  }

  async datasync(fd: FileHandle): Promise<void> {
    this.maybeCrash();
    const f = this.file(fd);
    this.datasyncCalls++;
    if (this.failDatasyncs > 0) {
      this.failDatasyncs--;
      throw new FaultError('EIO', 'injected fdatasync failure');
    }
    markDurable(f);
    f.unsynced = [];
  }

  async truncate(fd: FileHandle, sizeBytes: number): Promise<void> {
    this.maybeCrash();
    const f = this.file(fd);
    this.applyTruncate(f, sizeBytes);
    f.unsynced.push({ kind: 'truncate', sizeBytes });
  }

  async close(fd: FileHandle): Promise<void> {
    this.file(fd);
    this.fds.delete(fd);
    this.dsyncFds.delete(fd);
  }

  async size(fd: FileHandle): Promise<number> {
    return this.file(fd).length;
  }

  async stat(path: string): Promise<FileStat | undefined> {
    if (this.dirs.has(path)) return { sizeBytes: 0, isDirectory: true };
    const f = this.files.get(path);
    return f === undefined ? undefined : { sizeBytes: f.length, isDirectory: false };
  }

  async readdir(path: string): Promise<string[]> {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const name = rest.split('/')[0];
      if (name !== undefined && name !== '') names.add(name);
    }
    return [...names].sort();
  }

  async unlink(path: string): Promise<void> {
    this.maybeCrash();
    if (!this.files.delete(path)) throw new FaultError('ENOENT', path);
  }

  async mkdir(path: string): Promise<void> {
    const parts = path.split('/').filter((p) => p !== '');
    let cur = '';
    for (const p of parts) {
      cur = `${cur}/${p}`;
      this.dirs.add(cur);
    }
  }

  async rmdir(path: string): Promise<void> {
    const prefix = `${path}/`;
    for (const p of [...this.files.keys()]) if (p.startsWith(prefix)) this.files.delete(p);
    for (const d of [...this.dirs]) if (d === path || d.startsWith(prefix)) this.dirs.delete(d);
  }

  async rename(from: string, to: string): Promise<void> {
    const f = this.files.get(from);
    if (f === undefined) throw new FaultError('ENOENT', from);
    this.files.delete(from);
    this.files.set(to, { ...f, entryDurable: false });
  }

  async syncDir(path: string): Promise<void> {
    this.maybeCrash();
    if (!this.dirs.has(path)) throw new FaultError('ENOENT', path);
    for (const [p, f] of this.files) if (parentOf(p) === path) f.entryDurable = true;
  }
}

/** Grows `data` to hold at least `end` bytes; what lay past `length` (stale bytes) becomes zeros. */
function ensureCapacity(f: MemFile, end: number): void {
  if (end <= f.data.byteLength) return;
  const grown = new Uint8Array(Math.max(end, f.data.byteLength * 2));
  grown.set(f.data.subarray(0, Math.min(f.length, f.data.byteLength)));
  f.data = grown;
}

/** The file's current contents become its durable state (holes stay holes). */
function markDurable(f: MemFile): void {
  f.durable = f.data.slice(0, Math.min(f.length, f.data.byteLength));
  f.durableLength = f.length;
}

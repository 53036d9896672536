import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { MemoryLevel } from 'memory-level';
import { ForwardingFileIO, type Entry, type FileHandle, type WalDb } from '../../src/wal/index.js';
import type { WalBatchOp } from '../../src/wal/context.js';
import { silentLogger } from '../../src/util/logger.js';

export const logger = silentLogger();

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'chronik-wal-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function memoryDb(): WalDb {
  return new MemoryLevel<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
}

/** Holds every fdatasync while `held`; `arrived` resolves when the first held one is called. */
export class SyncGate extends ForwardingFileIO {
  private gate: Promise<void> | undefined;
  private openGate: () => void = () => undefined;
  private arrive: () => void = () => undefined;
  arrived: Promise<void> = Promise.resolve();
  held = false;

  hold(): void {
    this.held = true;
    this.gate = new Promise<void>((r) => (this.openGate = r));
    this.arrived = new Promise<void>((r) => (this.arrive = r));
  }
  release(): void {
    this.held = false;
    this.gate = undefined;
    this.openGate();
  }
  override async datasync(fd: FileHandle): Promise<void> {
    if (this.gate !== undefined) {
      this.arrive();
      await this.gate;
    }
    return this.inner.datasync(fd);
  }
}

/** A MemoryLevel that hands every batch's ops (a copy) to `onBatch` before writing them. */
export function recordingDb(onBatch: (ops: WalBatchOp[]) => void): WalDb {
  const inner = memoryDb();
  return new Proxy(inner, {
    get(target, prop): unknown {
      if (prop === 'batch') {
        return (ops: WalBatchOp[], ...rest: unknown[]) => {
          onBatch([...ops]);
          return (target.batch as (o: WalBatchOp[], ...r: unknown[]) => Promise<void>)(ops, ...rest);
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Deterministic payload for entry `index` so that reads can be checked byte for byte. */
export function payload(index: number, size = 16 + (index % 50)): Uint8Array {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (index * 31 + i * 7) & 0xff;
  return b;
}

export function entries(from: number, count: number, term: number, size?: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({ index: from + i, term, type: 0, data: payload(from + i, size) }));
}

/** A minimal magic-2 record batch header with the fields the WAL reads (`extra` bytes of `fill` after it; no valid batch CRC). */
export function recordBatch(baseOffset: number, count: number, maxTimestamp: number, extra = 20, fill = 0): Uint8Array {
  const b = Buffer.alloc(61 + extra, fill);
  b.writeBigInt64BE(BigInt(baseOffset), 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt8(2, 16);
  b.writeInt32BE(count - 1, 23);
  b.writeBigInt64BE(BigInt(maxTimestamp), 27);
  b.writeBigInt64BE(BigInt(maxTimestamp), 35);
  return b;
}

/** A pino logger at warn level whose lines are parsed into `lines`, for asserting logged decisions. */
export function capturingLogger(): { lines: Array<Record<string, unknown>>; log: pino.Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: pino({ level: 'warn' }, stream) };
}

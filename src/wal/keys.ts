/**
 * LevelDB key layout (docs/wal-format.md, "LevelDB"). Per-log keys start with `l` + log id + 0x00;
 * numbers are 8-byte big-endian so byte order is numeric order, which is what makes every lookup a
 * single `lte`/`gte` seek.
 */
import { readU64, writeU64 } from './frame.js';

export const FORMAT_KEY = Buffer.from('!format');
export const MIGRATION_KEY = Buffer.from('!migration');
const REGISTRY_PREFIX = 'r';

export function registryKey(logId: string): Buffer {
  return Buffer.from(`${REGISTRY_PREFIX}${logId}`);
}

export function registryRange(): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from(REGISTRY_PREFIX), lt: Buffer.from(String.fromCharCode(REGISTRY_PREFIX.charCodeAt(0) + 1)) };
}

export function logIdOfRegistryKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8', 1);
}

export function logPrefix(logId: string): Buffer {
  return Buffer.concat([Buffer.from('l'), Buffer.from(logId, 'utf8'), Buffer.from([0])]);
}

/** All keys of a log, for deleting it. */
export function logRange(logId: string): { gte: Buffer; lt: Buffer } {
  const p = logPrefix(logId);
  const lt = Buffer.from(p);
  lt[lt.length - 1] = 1;
  return { gte: p, lt };
}

export type DerivedKind = 'k' | 'i' | 't' | 'o' | 'x';

/** Builds the keys of one log; one instance per open log (holds only immutable prefixes). */
export class LogKeys {
  readonly meta: Buffer;
  readonly hard: Buffer;
  readonly snap: Buffer;
  private readonly prefix: Buffer;

  constructor(logId: string) {
    this.prefix = logPrefix(logId);
    this.meta = Buffer.concat([this.prefix, Buffer.from('m')]);
    this.hard = Buffer.concat([this.prefix, Buffer.from('h')]);
    this.snap = Buffer.concat([this.prefix, Buffer.from('s')]);
  }

  /** `e` epoch kind n1 [n2]: fixed width, so keys of one kind sort by their numbers. */
  derived(epoch: number, kind: DerivedKind, n1?: number, n2?: number): Buffer {
    const p = this.prefix.length;
    const size = p + 6 + (n1 === undefined ? 0 : 8) + (n2 === undefined ? 0 : 8);
    const key = Buffer.allocUnsafe(size);
    this.prefix.copy(key, 0);
    key[p] = 0x65; // 'e'
    key.writeUInt32BE(epoch, p + 1);
    key[p + 5] = kind.charCodeAt(0);
    if (n1 !== undefined) writeU64(key, p + 6, n1);
    if (n2 !== undefined) writeU64(key, p + 14, n2);
    return key;
  }

  marker(epoch: number): Buffer {
    return this.derived(epoch, 'k');
  }

  /** Every key of one derived kind in one epoch. */
  kindRange(epoch: number, kind: DerivedKind): { gte: Buffer; lt: Buffer } {
    const gte = this.derived(epoch, kind);
    const lt = Buffer.from(gte);
    lt[lt.length - 1] = kind.charCodeAt(0) + 1;
    return { gte, lt };
  }

  /** Every derived key of epochs below `epoch` (garbage after a reset). */
  epochsBelow(epoch: number): { gte: Buffer; lt: Buffer } {
    return { gte: this.derived(0, 'k').subarray(0, this.prefix.length + 1), lt: this.derived(epoch, 'k').subarray(0, this.prefix.length + 5) };
  }

  /** The kind byte of a derived key of this log. */
  kindOf(key: Uint8Array): string {
    return String.fromCharCode(key[this.prefix.length + 5] ?? 0);
  }

  /** The first number of a derived key. */
  n1(key: Uint8Array): number {
    return readU64(key, this.prefix.length + 6);
  }

  n2(key: Uint8Array): number {
    return readU64(key, this.prefix.length + 14);
  }
}

export function u64s(...values: number[]): Buffer {
  const buf = Buffer.allocUnsafe(values.length * 8);
  values.forEach((v, i) => writeU64(buf, i * 8, v));
  return buf;
}

export function readU64At(buf: Uint8Array, slot: number): number {
  return readU64(buf, slot * 8);
}

/**
 * CRC-32C (Castagnoli) for WAL frames and the Kafka record-batch check. crc-32's pure-JavaScript crc32c is the reference; at 1 MiB
 * entries it costs about a quarter of a `write + fdatasync` on our disks, all of it on the event
 * loop, so large inputs go to @node-rs/crc32's native crc32c (several GB/s) when it loads and
 * passes a self-check. Both give the same value (test/wal/crc32c.test.ts checks them against each
 * other on random inputs and seeds); small inputs stay in JavaScript, where a native call costs more
 * than the CRC.
 */
import { createRequire } from 'node:module';
import CRC32C from 'crc-32/crc32c.js';

type CrcFn = (data: Uint8Array, seed?: number) => number;

/** Below this many bytes the JavaScript table CRC beats the cost of a native call (measured). */
export const NATIVE_MIN_BYTES = 256;

/** CRC-32C of "123456789", the standard check value. */
const CHECK_VALUE = 0xe3069283;

/** The reference implementation (crc-32/crc32c), unsigned. */
export function crc32cJs(data: Uint8Array, seed?: number): number {
  return CRC32C.buf(data, seed) >>> 0;
}

/**
 * Loaded once when this module is evaluated; never reassigned. Absent when the package or its
 * platform binary is missing (any platform without a prebuilt build), or when it computes a wrong
 * check value: then everything runs on the reference implementation.
 */
const native: CrcFn | undefined = loadNative();

function loadNative(): CrcFn | undefined {
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c?: unknown };
    if (typeof mod.crc32c !== 'function') return undefined;
    const fn = mod.crc32c as CrcFn;
    const check = Buffer.from('123456789', 'latin1');
    return fn(check) >>> 0 === CHECK_VALUE && fn(check.subarray(4), crc32cJs(check.subarray(0, 4))) >>> 0 === CHECK_VALUE ? fn : undefined;
  } catch {
    return undefined;
  }
}

/** Which implementation large inputs use (for benchmarks and diagnostics). */
export const crc32cImplementation: 'native' | 'js' = native === undefined ? 'js' : 'native';

/**
 * CRC-32C of `data`, continuing from `seed` (the CRC of the bytes before it), as an unsigned
 * number: crc32c(b, crc32c(a)) === crc32c(a ++ b).
 */
export function crc32c(data: Uint8Array, seed?: number): number {
  if (native !== undefined && data.byteLength >= NATIVE_MIN_BYTES) return native(data, seed) >>> 0;
  return CRC32C.buf(data, seed) >>> 0;
}

/** CRC-32C (reflected polynomial 0x82f63b78) byte table, built once; never written after. */
const TABLE: Int32Array = buildTable();

function buildTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
}

/**
 * CRC-32C of `bytes[from..to)` continuing from `seed`, without making a view of that range: for the
 * few bytes of a frame header, computed once per appended entry, a subarray costs more than its CRC.
 */
export function crc32cRange(bytes: Uint8Array, from: number, to: number, seed = 0): number {
  let c = ~seed;
  for (let i = from; i < to; i++) c = (c >>> 8) ^ (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number);
  return ~c >>> 0;
}

/** The native implementation alone, for the equivalence test; undefined when it is not loaded. */
export function crc32cNative(data: Uint8Array, seed?: number): number | undefined {
  return native === undefined ? undefined : native(data, seed) >>> 0;
}

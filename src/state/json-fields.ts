import { MetaDecodeError } from './errors.js';
import { isTopicId } from './topic-id.js';

/**
 * Checked field access on parsed JSON. Decoded `__meta` bytes come from disk or the network, so
 * every field is checked for its type before it reaches `evolve`; a bad field throws a typed
 * error naming the path instead of producing an image with holes in it.
 */
export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw new MetaDecodeError(`${path}: expected an object`);
  return value;
}

export function int(o: JsonObject, field: string, path: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new MetaDecodeError(`${path}.${field}: expected a safe integer`);
  }
  return v;
}

export function str(o: JsonObject, field: string, path: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new MetaDecodeError(`${path}.${field}: expected a string`);
  return v;
}

/** A topic id: a canonical lower-case, non-zero UUID string. */
export function topicId(o: JsonObject, field: string, path: string): string {
  const v = str(o, field, path);
  if (!isTopicId(v)) throw new MetaDecodeError(`${path}.${field}: expected a topic id (canonical non-zero UUID)`);
  return v;
}

export function bool(o: JsonObject, field: string, path: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') throw new MetaDecodeError(`${path}.${field}: expected a boolean`);
  return v;
}

export function nullableStr(o: JsonObject, field: string, path: string): string | null {
  return o[field] === null ? null : str(o, field, path);
}

export function nullableInt(o: JsonObject, field: string, path: string): number | null {
  return o[field] === null ? null : int(o, field, path);
}

export function arr(o: JsonObject, field: string, path: string): readonly unknown[] {
  const v = o[field];
  if (!Array.isArray(v)) throw new MetaDecodeError(`${path}.${field}: expected an array`);
  return v;
}

export function intArray(o: JsonObject, field: string, path: string): number[] {
  return arr(o, field, path).map((x, i) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) {
      throw new MetaDecodeError(`${path}.${field}[${i}]: expected a safe integer`);
    }
    return x;
  });
}

export function strArray(o: JsonObject, field: string, path: string): string[] {
  return arr(o, field, path).map((x, i) => {
    if (typeof x !== 'string') throw new MetaDecodeError(`${path}.${field}[${i}]: expected a string`);
    return x;
  });
}

/**
 * A string → string record. Built with `Object.fromEntries` (define, not assign) so that a key
 * such as `__proto__` stays an ordinary own property instead of touching the prototype.
 */
export function strRecord(o: JsonObject, field: string, path: string): Record<string, string> {
  const v = asObject(o[field], `${path}.${field}`);
  const entries = Object.entries(v).map(([k, x]): [string, string] => {
    if (typeof x !== 'string') throw new MetaDecodeError(`${path}.${field}.${k}: expected a string`);
    return [k, x];
  });
  return Object.fromEntries(entries);
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new MetaDecodeError(`${what}: not valid JSON`, { cause });
  }
}

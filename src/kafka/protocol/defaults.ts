import type { FieldSpec } from './schema.js';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A fresh default value for a field, used for fields absent in a version and for tagged fields. */
export function defaultValue(field: FieldSpec): unknown {
  if (field.array) return field.default === null ? null : [];
  switch (field.type) {
    case 'struct':
      return field.default === null ? null : defaultStruct(field.fields ?? []);
    case 'bytes':
    case 'records':
      return field.default === null ? null : Buffer.alloc(0);
    case 'uuid':
      return field.default ?? ZERO_UUID;
    default:
      return field.default;
  }
}

export function defaultStruct(fields: readonly FieldSpec[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) o[f.name] = defaultValue(f);
  return o;
}

/** Structural equality over decoded values (primitives, Buffers, arrays, plain objects). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => deepEqual(ao[k], bo[k]));
}

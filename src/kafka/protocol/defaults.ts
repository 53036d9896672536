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

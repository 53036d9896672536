import fc from 'fast-check';
import { defaultValue } from '../../../src/kafka/protocol/defaults.js';
import { inRange, type FieldSpec, type PrimitiveType } from '../../../src/kafka/protocol/schema.js';

const bytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

const SCALARS: Record<PrimitiveType, fc.Arbitrary<unknown>> = {
  bool: fc.boolean(),
  int8: fc.integer({ min: -128, max: 127 }),
  int16: fc.integer({ min: -32768, max: 32767 }),
  uint16: fc.integer({ min: 0, max: 65535 }),
  int32: fc.integer({ min: -2147483648, max: 2147483647 }),
  uint32: fc.integer({ min: 0, max: 4294967295 }),
  int64: fc.maxSafeInteger(),
  float64: fc.double({ noNaN: true }),
  uuid: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString('base64url')),
  string: fc.string({ maxLength: 12 }),
  // Mostly small, sometimes past the splice threshold so the zero-copy path is exercised too.
  bytes: fc.oneof({ arbitrary: bytes(24), weight: 9 }, { arbitrary: bytes(1500), weight: 1 }),
  records: fc.oneof({ arbitrary: bytes(24), weight: 9 }, { arbitrary: bytes(1500), weight: 1 }),
};

function fieldArbitrary(field: FieldSpec, version: number, depth: number): fc.Arbitrary<unknown> {
  const nullable = inRange(field.nullable, version);
  let element: fc.Arbitrary<unknown>;
  if (field.type === 'struct') element = structArbitrary(field.fields ?? [], version, depth + 1);
  else element = SCALARS[field.type];
  const value = field.array ? fc.array(element, { maxLength: depth > 2 ? 1 : 3 }) : element;
  return nullable ? fc.option(value, { nil: null, freq: 4 }) : value;
}

/** Arbitrary values valid for one version: fields absent in it hold their schema default. */
export function structArbitrary(fields: readonly FieldSpec[], version: number, depth = 0): fc.Arbitrary<unknown> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    model[f.name] = inRange(f.versions, version)
      ? fieldArbitrary(f, version, depth)
      : fc.constant(null).map(() => defaultValue(f));
  }
  return fc.record(model);
}

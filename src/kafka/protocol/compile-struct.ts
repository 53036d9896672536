import { assert } from '../../util/assert.js';
import {
  arrayCodec,
  nullableStructCodec,
  scalarCodec,
  type SizeContext,
  type ValueCodec,
} from './compile-scalar.js';
import { defaultValue } from './defaults.js';
import { Reader } from './reader.js';
import { inRange, type FieldSpec } from './schema.js';
import { uvarintSize, type Writer } from './writer.js';

interface TaggedField {
  readonly tag: number;
  readonly name: string;
  readonly codec: ValueCodec;
  readonly isDefault: (v: unknown) => boolean;
}

/** Compiles one field's value codec for one version. */
function fieldCodec(field: FieldSpec, version: number, flexible: boolean): ValueCodec {
  const nullable = inRange(field.nullable, version);
  let element: ValueCodec;
  if (field.type === 'struct') {
    element = compileStruct(field.fields ?? [], version, flexible);
    if (!field.array && nullable) return nullableStructCodec(field.name, element);
  } else {
    element = scalarCodec(field.name, field.type, flexible, nullable && !field.array);
  }
  return field.array ? arrayCodec(field.name, element, flexible, nullable) : element;
}

/**
 * A tagged field is written only when it differs from its default. Scalars, nulls and empty
 * arrays compare without allocating; only struct defaults need a structural comparison.
 */
function defaultTest(field: FieldSpec): (v: unknown) => boolean {
  const fallback = defaultValue(field);
  if (fallback === null || typeof fallback !== 'object') return (v) => v === fallback;
  if (Array.isArray(fallback)) return (v) => Array.isArray(v) && v.length === 0;
  if (Buffer.isBuffer(fallback)) return (v) => Buffer.isBuffer(v) && v.length === 0;
  const fields = field.fields ?? [];
  const names = fields.map((f) => f.name);
  const tests = fields.map(defaultTest);
  return (v) => {
    if (typeof v !== 'object' || v === null) return false;
    const o = v as Record<string, unknown>;
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as (x: unknown) => boolean)(o[names[i] as string])) return false;
    return true;
  };
}

function taggedField(field: FieldSpec, version: number): TaggedField {
  const tag = field.tag;
  assert(tag !== null, `tagged field ${field.name} has no tag`);
  return { tag, name: field.name, codec: fieldCodec(field, version, true), isDefault: defaultTest(field) };
}

function readTagged(r: Reader, o: Record<string, unknown>, byTag: ReadonlyMap<number, TaggedField>): void {
  const count = r.count(r.uvarint(), 2);
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    r.need(size);
    const field = byTag.get(tag);
    if (field !== undefined) o[field.name] = field.codec.decode(new Reader(r.buf, r.pos, r.pos + size));
    r.pos += size;
  }
}

function taggedSize(tagged: readonly TaggedField[], o: Record<string, unknown>, ctx: SizeContext): number {
  let count = 0;
  let total = 0;
  for (const t of tagged) {
    const v = o[t.name];
    if (t.isDefault(v)) continue;
    const size = t.codec.size(v, ctx);
    total += uvarintSize(t.tag) + uvarintSize(size) + size;
    count++;
  }
  return uvarintSize(count) + total;
}

function writeTagged(w: Writer, tagged: readonly TaggedField[], o: Record<string, unknown>): void {
  let count = 0;
  for (const t of tagged) if (!t.isDefault(o[t.name])) count++;
  w.uvarint(count);
  if (count === 0) return;
  for (const t of tagged) {
    const v = o[t.name];
    if (t.isDefault(v)) continue;
    w.uvarint(t.tag);
    // Sized again here (rare: only non-default tagged fields); the size pass's total was for the scratch buffer.
    w.uvarint(t.codec.size(v, { spliced: 0 }));
    t.codec.write(w, v);
  }
}

/**
 * Compiles the fields of a struct (or a message body) for one version into a codec. Fields absent
 * in the version decode to their default and are skipped on encode; tagged fields go in the tagged
 * section of flexible versions, written only when they differ from their default.
 */
export function compileStruct(fields: readonly FieldSpec[], version: number, flexible: boolean): ValueCodec {
  const names = fields.map((f) => f.name);
  const regular: { name: string; codec: ValueCodec }[] = [];
  const steps: ((r: Reader) => unknown)[] = [];
  const tagged: TaggedField[] = [];
  for (const f of fields) {
    const present = inRange(f.versions, version);
    const isTagged = present && flexible && inRange(f.tagged, version);
    if (present && !isTagged) {
      const codec = fieldCodec(f, version, flexible);
      regular.push({ name: f.name, codec });
      steps.push(codec.decode);
    } else {
      if (isTagged) tagged.push(taggedField(f, version));
      steps.push(() => defaultValue(f));
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((t) => [t.tag, t]));
  let minBytes = flexible ? 1 : 0;
  for (const f of regular) minBytes += f.codec.minBytes;
  return {
    minBytes,
    decode(r) {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < steps.length; i++) o[names[i] as string] = (steps[i] as (r: Reader) => unknown)(r);
      if (flexible) readTagged(r, o, byTag);
      return o;
    },
    size(v, ctx) {
      const o = v as Record<string, unknown>;
      let total = 0;
      for (const f of regular) total += f.codec.size(o[f.name], ctx);
      return flexible ? total + taggedSize(tagged, o, ctx) : total;
    },
    write(w, v) {
      const o = v as Record<string, unknown>;
      for (const f of regular) f.codec.write(w, o[f.name]);
      if (flexible) writeTagged(w, tagged, o);
    },
  };
}

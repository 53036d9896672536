import { assert } from '../../util/assert.js';
import {
  arrayCodec,
  nullableStructCodec,
  scalarCodec,
  type SizeContext,
  type ValueCodec,
} from './compile-scalar.js';
import { deepEqual, defaultValue } from './defaults.js';
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

function taggedField(field: FieldSpec, version: number): TaggedField {
  const tag = field.tag;
  assert(tag !== null, `tagged field ${field.name} has no tag`);
  const fallback = defaultValue(field);
  return {
    tag,
    name: field.name,
    codec: fieldCodec(field, version, true),
    isDefault: (v) => deepEqual(v, fallback),
  };
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

function presentTagged(tagged: readonly TaggedField[], o: Record<string, unknown>): TaggedField[] {
  return tagged.filter((t) => !t.isDefault(o[t.name]));
}

function taggedSize(tagged: readonly TaggedField[], o: Record<string, unknown>, ctx: SizeContext): number {
  const present = presentTagged(tagged, o);
  let total = uvarintSize(present.length);
  for (const t of present) {
    const size = t.codec.size(o[t.name], ctx);
    total += uvarintSize(t.tag) + uvarintSize(size) + size;
  }
  return total;
}

function writeTagged(w: Writer, tagged: readonly TaggedField[], o: Record<string, unknown>): void {
  const present = presentTagged(tagged, o);
  w.uvarint(present.length);
  for (const t of present) {
    const v = o[t.name];
    w.uvarint(t.tag);
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
      steps.push((r) => codec.decode(r));
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

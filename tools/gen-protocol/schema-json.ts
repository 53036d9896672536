import type { FieldSpec, FieldType, MessageSpec, PrimitiveType, VersionRange } from '../../src/kafka/protocol/schema.js';
import { MAX_VERSION } from '../../src/kafka/protocol/schema.js';

/** A field as Kafka's message JSON spells it. */
export interface JsonField {
  name: string;
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  default?: string | number | boolean;
  fields?: JsonField[];
}

export interface JsonMessage {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: JsonField[];
  commonStructs?: { name: string; fields: JsonField[] }[];
}

const PRIMITIVES: ReadonlySet<string> = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'uuid', 'string', 'bytes', 'records',
]);

/** The files carry `//` line comments; JSON.parse needs them gone. */
export function stripComments(text: string): string {
  return text.replace(/^\s*\/\/.*$/gm, '');
}

export function parseRange(text: string | undefined): VersionRange | null {
  if (text === undefined || text === 'none' || text === '') return null;
  if (text.endsWith('+')) return [Number(text.slice(0, -1)), MAX_VERSION];
  const [lo, hi] = text.split('-');
  return [Number(lo), Number(hi ?? lo)];
}

export function jsName(kafkaName: string): string {
  return kafkaName.charAt(0).toLowerCase() + kafkaName.slice(1);
}

function parseScalarDefault(type: PrimitiveType, raw: string | number | boolean | undefined): number | boolean | string | null {
  const text = raw === undefined ? undefined : String(raw);
  if (text === 'null') return null;
  switch (type) {
    case 'bool':
      return text?.toLowerCase() === 'true';
    case 'string':
      return text ?? '';
    case 'uuid':
      return null; // the zero uuid, filled in at runtime
    case 'bytes':
    case 'records':
      return 'empty';
    default:
      return text === undefined ? 0 : Number(text);
  }
}

/** Resolves a JSON field into the FieldSpec the runtime compiles. */
export function toFieldSpec(f: JsonField, common: ReadonlyMap<string, JsonField[]>): FieldSpec {
  const array = f.type.startsWith('[]');
  const base = array ? f.type.slice(2) : f.type;
  const isStruct = !PRIMITIVES.has(base);
  const structFields = isStruct ? (f.fields ?? common.get(base)) : undefined;
  if (isStruct && structFields === undefined) throw new Error(`field ${f.name}: unknown struct type ${base}`);
  const type: FieldType = isStruct ? 'struct' : (base as PrimitiveType);
  const versions = parseRange(f.versions);
  if (versions === null) throw new Error(`field ${f.name} has no versions`);
  const nonScalar = array || isStruct;
  return {
    name: jsName(f.name),
    type,
    array,
    versions,
    nullable: parseRange(f.nullableVersions),
    tag: f.tag === undefined ? null : Number(f.tag),
    tagged: parseRange(f.taggedVersions),
    default: nonScalar ? (String(f.default) === 'null' ? null : 'empty') : parseScalarDefault(type as PrimitiveType, f.default),
    fields: structFields === undefined ? null : structFields.map((s) => toFieldSpec(s, common)),
  };
}

export function toMessageSpec(m: JsonMessage): MessageSpec {
  const common = new Map((m.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const valid = parseRange(m.validVersions);
  if (valid === null) throw new Error(`${m.name} has no valid versions`);
  return {
    name: m.name,
    type: m.type as MessageSpec['type'],
    apiKey: m.apiKey ?? null,
    validVersions: valid,
    flexibleVersions: parseRange(m.flexibleVersions),
    fields: m.fields.map((f) => toFieldSpec(f, common)),
  };
}

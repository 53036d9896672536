import type { JsonField, JsonMessage } from './schema-json.js';
import { jsName } from './schema-json.js';

const TS_TYPES: Readonly<Record<string, string>> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  uint32: 'number',
  int64: 'number',
  float64: 'number',
  uuid: 'string',
  string: 'string',
  bytes: 'Buffer',
  // Decoded records are one Buffer view; a response may carry several stored batches unjoined.
  records: 'RecordSet',
};

interface TypeEmitter {
  readonly message: JsonMessage;
  readonly common: ReadonlyMap<string, JsonField[]>;
  readonly emitted: Map<string, string>;
  readonly out: string[];
}

/** Emits one interface per struct, named after the message so names never collide across files. */
function emitStruct(e: TypeEmitter, name: string, fields: readonly JsonField[]): void {
  const signature = JSON.stringify(fields.map((f) => [f.name, f.type, f.nullableVersions ?? null]));
  const previous = e.emitted.get(name);
  if (previous !== undefined) {
    // Kafka reuses a struct name only for the same struct; anything else would need distinct types.
    if (previous !== signature) throw new Error(`${name} is defined twice with different fields`);
    return;
  }
  e.emitted.set(name, signature);
  const lines = [`export interface ${name} {`];
  for (const f of fields) {
    const array = f.type.startsWith('[]');
    const base = array ? f.type.slice(2) : f.type;
    let ts = TS_TYPES[base];
    if (ts === undefined) {
      ts = `${e.message.name}${base}`;
      emitStruct(e, ts, f.fields ?? e.common.get(base) ?? []);
    }
    if (array) ts = `${ts}[]`;
    const nullable = f.nullableVersions !== undefined && f.nullableVersions !== 'none';
    lines.push(`  ${jsName(f.name)}: ${ts}${nullable ? ' | null' : ''};`);
  }
  lines.push('}');
  e.out.push(lines.join('\n'));
}

export function emitTypes(message: JsonMessage): string {
  const common = new Map((message.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const e: TypeEmitter = { message, common, emitted: new Map(), out: [] };
  emitStruct(e, message.name, message.fields);
  return e.out.join('\n\n');
}

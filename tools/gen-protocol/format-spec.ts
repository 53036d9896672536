import type { FieldSpec, MessageSpec } from '../../src/kafka/protocol/schema.js';

/** One field per line, nested fields indented below their parent: reviewable diffs on regeneration. */
function formatFields(fields: readonly FieldSpec[], indent: string): string {
  const lines = fields.map((f) => {
    const { fields: nested, ...flat } = f;
    const head = JSON.stringify(flat).slice(0, -1);
    if (nested === null) return `${indent}${head},"fields":null}`;
    return `${indent}${head},"fields":[\n${formatFields(nested, `${indent}  `)}\n${indent}]}`;
  });
  return lines.join(',\n');
}

export function formatSpec(spec: MessageSpec): string {
  const { fields, ...flat } = spec;
  return `${JSON.stringify(flat).slice(0, -1)},"fields":[\n${formatFields(fields, '  ')}\n]}`;
}

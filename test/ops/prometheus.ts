/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample must
 * belong to a family declared by # HELP and # TYPE before it, names and labels must be valid,
 * values must be numbers, and histogram/summary suffixes must match their family's type.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      const [, name = '', ...rest] = line.split(' ').slice(1);
      if (!NAME.test(name)) throw new Error(`bad HELP name, ${where}`);
      help.set(name, rest.join(' '));
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [name = '', type = ''] = line.slice(7).split(' ');
      if (!NAME.test(name) || !TYPES.has(type)) throw new Error(`bad TYPE, ${where}`);
      if (families.has(name)) throw new Error(`family declared twice, ${where}`);
      families.set(name, { name, type: type as Family['type'], help: help.get(name) ?? '', samples: [] });
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (family === undefined) throw new Error(`sample of an undeclared family, ${where}`);
    family.samples.push(sample);
  });
  for (const f of families.values()) if (!help.has(f.name)) throw new Error(`family ${f.name} has no HELP`);
  return families;
}

function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const exact = families.get(name);
  if (exact !== undefined) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const f = families.get(name.slice(0, -suffix.length));
    if (f !== undefined && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const brace = line.indexOf('{');
  let name: string;
  let rest: string;
  const labels: Record<string, string> = {};
  if (brace >= 0) {
    name = line.slice(0, brace);
    const close = line.lastIndexOf('}');
    if (close < brace) throw new Error(`unclosed labels, ${where}`);
    parseLabels(line.slice(brace + 1, close), labels, where);
    rest = line.slice(close + 1).trim();
  } else {
    const space = line.indexOf(' ');
    name = line.slice(0, space);
    rest = line.slice(space + 1).trim();
  }
  if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
  const [valueText = '', timestamp] = rest.split(' ');
  const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : valueText === 'NaN' ? NaN : Number(valueText);
  if (valueText === '' || (Number.isNaN(value) && valueText !== 'NaN')) throw new Error(`bad value, ${where}`);
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new Error(`bad timestamp, ${where}`);
  return { name, labels, value };
}

function parseLabels(text: string, into: Record<string, string>, where: string): void {
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`bad label, ${where}`);
    const key = text.slice(i, eq);
    if (!LABEL_NAME.test(key) || Object.hasOwn(into, key)) throw new Error(`bad or repeated label name '${key}', ${where}`);
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value, ${where}`);
    let j = eq + 2;
    let value = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        j++;
        const c = text[j];
        value += c === 'n' ? '\n' : (c ?? '');
      } else value += text[j];
    }
    if (j >= text.length) throw new Error(`unterminated label value, ${where}`);
    into[key] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`junk after label, ${where}`);
  }
}

/** Sum of a family's samples matching `labels` (all given labels equal). */
export function total(families: Map<string, Family>, sampleName: string, labels: Record<string, string> = {}): number {
  const base = familyOf(families, sampleName);
  if (base === undefined) throw new Error(`no family for ${sampleName}`);
  return base.samples.filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}

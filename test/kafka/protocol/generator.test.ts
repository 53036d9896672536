import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../tools/gen-protocol/generator.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCHEMAS = resolve(ROOT, '../shared/kafka-protocol/message');
const COMMITTED = join(ROOT, 'src/kafka/protocol/generated');

describe('protocol generator', () => {
  // The schemas live outside the project; where they are absent the committed output stands alone.
  it.skipIf(!existsSync(SCHEMAS))('reproduces the committed generated code exactly', () => {
    const out = mkdtempSync(join(tmpdir(), 'chronik-gen-'));
    try {
      const result = generate(SCHEMAS, out);
      expect(result).toEqual({ messages: 184, apis: 88 });
      const files = readdirSync(out).sort();
      expect(files).toEqual(readdirSync(COMMITTED).sort());
      for (const f of files) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(COMMITTED, f), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

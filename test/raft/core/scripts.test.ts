import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { runScript } from './script-runner.js';

const dir = join(import.meta.dirname, 'scripts');

describe('raft core: interaction scripts', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(file, () => runScript(readFileSync(join(dir, file), 'utf8'), file));
  }
});

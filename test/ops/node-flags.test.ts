import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROKER_NODE_FLAGS, missingBrokerFlags } from '../../src/cli/node-flags.js';

const REPO = join(import.meta.dirname, '../..');

/** V8 takes these flags only on the command line, so every way of starting a broker must carry them. */
describe('broker node flags', () => {
  it('npm start and the chronik bin pass every broker flag', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBe(`node ${BROKER_NODE_FLAGS.join(' ')} dist/src/cli/main.js start`);
    const shebang = readFileSync(join(REPO, 'src/cli/main.ts'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${BROKER_NODE_FLAGS.join(' ')}`);
  });

  it('names the flags a process was started without, either spelling accepted', () => {
    expect(missingBrokerFlags([])).toEqual([...BROKER_NODE_FLAGS]);
    expect(missingBrokerFlags(BROKER_NODE_FLAGS.map((f) => f.replaceAll('-', '_').replace(/^__/, '--')))).toEqual([]);
    expect(missingBrokerFlags(['--inspect', ...BROKER_NODE_FLAGS])).toEqual([]);
  });
});

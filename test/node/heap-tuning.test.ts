import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BROKER_HEAP_GROWING_PERCENT, tuneHeapGrowing } from '../../src/node/heap-tuning.js';
import { silentLogger } from '../../src/util/logger.js';

const run = promisify(execFile);
const BUILT = resolve(import.meta.dirname, '../../dist/src/node/heap-tuning.js');
const LOGGER = resolve(import.meta.dirname, '../../dist/src/util/logger.js');

/**
 * The cases that must leave V8 alone run in this process (they return before touching the flag);
 * the one that sets the process-wide flag runs in a child process built from dist/.
 */
describe('tuneHeapGrowing', () => {
  it('leaves V8 alone for 0, for a value out of range, and when the command line sets the flag', () => {
    const log = silentLogger();
    expect(tuneHeapGrowing(0, log, [])).toBe(false);
    expect(tuneHeapGrowing(-1, log, [])).toBe(false);
    expect(tuneHeapGrowing(1.5, log, [])).toBe(false);
    expect(tuneHeapGrowing(5000, log, [])).toBe(false);
    expect(tuneHeapGrowing(300, log, ['--heap-growing-percent=150'])).toBe(false);
    expect(tuneHeapGrowing(300, log, ['--heap_growing_percent', '150'])).toBe(false);
  });

  it('sets a flag this V8 recognises (an unknown flag name would only print an error)', async () => {
    const script = [
      `import { tuneHeapGrowing } from ${JSON.stringify(BUILT)};`,
      `import { silentLogger } from ${JSON.stringify(LOGGER)};`,
      `console.log(JSON.stringify({ set: tuneHeapGrowing(${BROKER_HEAP_GROWING_PERCENT}, silentLogger(), []) }));`,
    ].join('\n');
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(`${stdout}${stderr}`).not.toMatch(/unrecognized flag/i);
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({ set: true });
  });
});

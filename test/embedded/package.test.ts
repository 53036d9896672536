import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The published shape: `npm pack` the repository, install the tarball into an empty project
 * (`--ignore-scripts`: LevelDB must load from its prebuilt binary, nothing is compiled), then run a
 * plain ESM script that imports `chronik`, produces and consumes with kafkajs, and stops; and
 * type-check a TypeScript file against the package's declarations. This checks package.json's
 * `exports`, `types` and `files`.
 *
 * Slow by nature (about 40 s: pack ~10 s, install ~20 s from the npm cache, tsc ~9 s). It needs the
 * built dist/ (`npm test` builds first) and the npm registry or a warm npm cache for the
 * dependencies (`--prefer-offline`).
 */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(REPO, 'test/embedded/fixtures');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chronik-pack-'));
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in `cwd` to completion, bounded by timeoutMs (then SIGKILL). */
function runIn(cwd: string, command: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function expectOk(what: string, result: Result): void {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
}

describe('the packed npm package', () => {
  it('installs from its tarball and runs startChronik with kafkajs from plain ESM; its types check', async () => {
    expect(existsSync(join(REPO, 'dist/src/index.js')), 'dist/ is missing: build with `npx tsc -p .` first').toBe(true);
    expect(existsSync(join(REPO, 'dist/src/embedded/index.d.ts'))).toBe(true);
    // --ignore-scripts: `prepare` would rebuild dist/, which the suite has already done.
    expectOk('npm pack', await runIn(REPO, 'npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], 60_000));
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^chronik-.*\.tgz$/);

    const project = join(work, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-chronik', private: true, type: 'module' }));
    const install = await runIn(project, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball as string)], 120_000);
    expectOk('npm install', install);

    await copyFile(join(FIXTURES, 'packed-smoke.mjs'), join(project, 'smoke.mjs'));
    const smoke = await runIn(project, process.execPath, ['smoke.mjs'], 60_000, { ...process.env, KAFKAJS_FROM: join(REPO, 'package.json') });
    expectOk('smoke.mjs', smoke);
    expect(JSON.parse(smoke.stdout.trim())).toEqual({ brokers: 1, values: ['one', 'two', 'three'], stored: ['one', 'two', 'three'] });

    await copyFile(join(FIXTURES, 'packed-types.ts.txt'), join(project, 'check.ts'));
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--typeRoots', join(REPO, 'node_modules/@types'), '--types', 'node'];
    expectOk('tsc check.ts', await runIn(project, process.execPath, [tsc, ...flags, 'check.ts'], 60_000));
    // And the declarations are real: a wrong type is an error.
    await writeFile(join(project, 'wrong.ts'), "import { startChronik } from 'chronik';\nconst n: string = (await startChronik()).brokers;\nexport { n };\n");
    const wrong = await runIn(project, process.execPath, [tsc, ...flags, 'wrong.ts'], 60_000);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/TS2322/);
  }, 240_000);
});

/** Runs inspect in-process with captured output, and as a real child process from dist/. */
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { run } from '../../tools/inspect/main.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function inspect(...argv: string[]): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await run(argv, { stdout, stderr, progress: false, now: () => performance.now() });
  return { code, stdout: out(), stderr: err() };
}

export const CLI = 'dist/src/cli/main.js';

/** `node dist/src/cli/main.js inspect …` as a child process; bounded by `timeoutMs`. */
export function inspectProcess(argv: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'inspect', ...argv], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === null) reject(new Error(`inspect killed by ${signal ?? 'signal'}`));
      else resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

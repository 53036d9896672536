import { spawn } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion with stdin, bounded by timeoutMs (then SIGKILL). */
export function run(command: string, args: readonly string[], options: { input?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Consumes a whole topic (no group) with kcat from the start to the end; returns "partition offset value" lines. */
export async function kcatConsumeAll(broker: string, topic: string): Promise<{ partition: number; offset: number; value: string }[]> {
  const result = await run('kcat', ['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`kcat consume failed (${result.code}): ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [p, o, ...rest] = l.split(' ');
      return { partition: Number(p), offset: Number(o), value: rest.join(' ') };
    });
}

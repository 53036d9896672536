/** Runs one of the load clients (tools/bench/clients: Python scripts, the C producer) and parses its JSON line. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** The client sources stay in the source tree; from dist/ they are four levels up. */
export function clientsDir(): string {
  const candidates = [resolve(import.meta.dirname, '../clients'), resolve(import.meta.dirname, '../../../../tools/bench/clients')];
  for (const dir of candidates) if (existsSync(resolve(dir, 'producer.py'))) return dir;
  throw new Error(`bench client scripts not found (looked in ${candidates.join(', ')})`);
}

export function runPythonClient<T>(script: string, args: Record<string, unknown>, timeoutMs: number): Promise<T> {
  const dir = clientsDir();
  return runJsonProcess<T>(PYTHON, ['-B', resolve(dir, script), JSON.stringify(args)], dir, script, timeoutMs);
}

/**
 * Spawns `file` and resolves with the JSON object on the last line of its stdout. Bounded: the
 * process is SIGKILLed after `timeoutMs`, and only the last 64 KiB of stderr are kept.
 */
export function runJsonProcess<T>(file: string, argv: readonly string[], cwd: string, label: string, timeoutMs: number): Promise<T> {
  return new Promise((ok, fail) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      // Bounded: librdkafka can log a lot while a broker is down.
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || last === '') {
        fail(new Error(`${label} exited ${code ?? signal}: ${stderr.slice(-2000)}`));
        return;
      }
      try {
        ok(JSON.parse(last) as T);
      } catch (err) {
        fail(new Error(`${label}: unparsable output ${last.slice(0, 200)}`, { cause: err }));
      }
    });
  });
}

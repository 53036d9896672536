/**
 * The C load generators (clients/producer.c and clients/consumer.c, librdkafka without an
 * interpreter in the way), compiled when a run first needs them. A machine without gcc or
 * librdkafka's headers (Debian librdkafka-dev) falls back to the Python clients, and the run
 * records why.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { clientsDir } from './python.js';

export type LoadGenerator =
  | { readonly kind: 'c'; readonly binary: string }
  | { readonly kind: 'python'; readonly reason: string };

/** The first lines of a compiler's complaint are enough to tell a missing header from a bug. */
const REASON_CHARS = 300;

function reasonOf(err: Error & { code?: unknown }, stderr: string): string {
  if (err.code === 'ENOENT') return 'gcc not found';
  if (stderr.includes('librdkafka/rdkafka.h')) return 'librdkafka headers not installed (Debian: librdkafka-dev)';
  if (stderr.includes('-lrdkafka')) return 'librdkafka not found by the linker';
  return `gcc failed: ${(stderr || err.message).trim().slice(0, REASON_CHARS)}`;
}

/** Compiles producer.c into `outDir`; resolves (never rejects) with what the produce scenarios will use. */
export function buildCProducer(outDir: string, timeoutMs = 60_000): Promise<LoadGenerator> {
  return buildCClient('producer.c', 'chronik-bench-producer', outDir, timeoutMs);
}

/** Compiles consumer.c (the catch-up consumer) into `outDir`, the same way and with the same fallback. */
export function buildCConsumer(outDir: string, timeoutMs = 60_000): Promise<LoadGenerator> {
  return buildCClient('consumer.c', 'chronik-bench-consumer', outDir, timeoutMs);
}

/** Compiles e2e.c (the end-to-end latency client) into `outDir`, the same way and with the same fallback. */
export function buildCE2eClient(outDir: string, timeoutMs = 60_000): Promise<LoadGenerator> {
  return buildCClient('e2e.c', 'chronik-bench-e2e', outDir, timeoutMs);
}

async function buildCClient(sourceName: string, binaryName: string, outDir: string, timeoutMs: number): Promise<LoadGenerator> {
  await mkdir(outDir, { recursive: true });
  const binary = join(outDir, binaryName);
  const source = resolve(clientsDir(), sourceName);
  return new Promise((ok) => {
    execFile('gcc', ['-O2', '-Wall', '-o', binary, source, '-lrdkafka', '-lpthread'], { timeout: timeoutMs }, (err, _stdout, stderr) => {
      ok(err === null ? { kind: 'c', binary } : { kind: 'python', reason: reasonOf(err, stderr) });
    });
  });
}

/** What `--producer` asked for, resolved once per run (the compile takes about a second). */
export function generatorChooser(wanted: 'c' | 'python', outDir: string): () => Promise<LoadGenerator> {
  let chosen: Promise<LoadGenerator> | undefined;
  return () => {
    chosen ??= wanted === 'python' ? Promise.resolve({ kind: 'python', reason: '--producer python' }) : buildCProducer(outDir);
    return chosen;
  };
}

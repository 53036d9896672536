/** Versions and machine facts recorded with every run, so two JSON files can be compared honestly. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { PYTHON } from '../scenarios/python.js';

/** The repository root: three levels up from the sources, four from dist/. */
const ROOTS = [resolve(import.meta.dirname, '../../..'), resolve(import.meta.dirname, '../../../..')];
const ROOT = ROOTS.find((r) => existsSync(resolve(r, 'package.json'))) ?? process.cwd();

function packageVersion(path: string): string {
  for (const base of [ROOT]) {
    try {
      return (JSON.parse(readFileSync(resolve(base, path), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      // unreadable: reported as unknown
    }
  }
  return 'unknown';
}

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return 'unavailable';
  }
}

export function versions(): Record<string, string> {
  return {
    chronik: packageVersion('package.json'),
    node: process.version,
    kafkajs: packageVersion('node_modules/kafkajs/package.json'),
    confluentKafka: command(PYTHON, ['-c', 'import confluent_kafka as c; print(c.version()[0], "librdkafka", c.libversion()[0])']),
    python: command(PYTHON, ['-c', 'import sys; print(sys.version.split()[0])']),
    gitCommit: command('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
  };
}

export function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

export function machine(): Record<string, string | number | number[]> {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    memTotalMb: Math.round(totalmem() / 1024 / 1024),
    kernel: release(),
    platform: process.platform,
    loadavgStart: loadAverage(),
  };
}

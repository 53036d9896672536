/** Writes `<out>/<timestamp>.json` and `.html`; returns their paths. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchReport } from '../scenarios/types.js';
import { renderHtml } from './html.js';

export function stamp(iso: string): string {
  return iso.replace(/[:.]/g, '-');
}

export async function writeReport(outDir: string, report: BenchReport): Promise<{ json: string; html: string }> {
  await mkdir(outDir, { recursive: true });
  const base = join(outDir, stamp(report.startedAt));
  const json = `${base}.json`;
  const html = `${base}.html`;
  await writeFile(json, `${JSON.stringify(report, null, 1)}\n`);
  await writeFile(html, renderHtml(report));
  return { json, html };
}

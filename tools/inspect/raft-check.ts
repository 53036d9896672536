/**
 * Cross-checks of a log's Raft hard state against its entries. Raft never commits past its own
 * last entry, and a node's term is never below the term of an entry it holds; a hard state that
 * says otherwise means entries it acknowledged are gone — or the driver saved the hard state
 * before the entries were durable. Either way the operator should know; the WAL itself does not
 * refuse to open, so these are warnings.
 */
import type { HardState } from '../../src/wal/entry.js';
import type { LogMeta } from '../../src/wal/meta.js';
import type { Finding } from './findings.js';

export function hardStateFindings(logId: string, hs: HardState | undefined, meta: LogMeta | undefined, last: { lastIndex: number | undefined; lastTerm: number | undefined }): Finding[] {
  if (hs === undefined) return [];
  const out: Finding[] = [];
  const lastIndex = last.lastIndex ?? (meta === undefined ? 0 : meta.firstIndex - 1);
  const lastTerm = last.lastTerm ?? meta?.prevTerm ?? 0;
  if (hs.commit > lastIndex) {
    out.push({ severity: 'warning', logId, index: hs.commit, message: `hard state commit ${hs.commit} is past the last entry ${lastIndex}: committed entries are missing` });
  }
  if (hs.term < lastTerm) {
    out.push({ severity: 'warning', logId, index: lastIndex, message: `hard state term ${hs.term} is below the last entry's term ${lastTerm}` });
  }
  return out;
}

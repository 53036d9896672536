import type { ConfState } from '../core/index.js';
import { StorageError } from '../../util/errors.js';
import { readSideFile, writeSideFile } from './side-file.js';

/**
 * A group's membership (Raft ids), made durable whenever a Ready reports a change, before the entries
 * that caused it are applied: the WAL has no slot for it. Body: JSON { voters, learners }.
 */
const EXT = 'conf';

export function writeConfFile(dir: string, logId: string, cs: ConfState): Promise<void> {
  return writeSideFile(dir, logId, EXT, Buffer.from(JSON.stringify({ voters: cs.voters, learners: cs.learners }), 'utf8'));
}

function isIdList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && (x as number) > 0);
}

export async function readConfFile(dir: string, logId: string): Promise<ConfState | undefined> {
  const body = await readSideFile(dir, logId, EXT);
  if (body === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new StorageError(`membership of ${logId} is not JSON`, { cause: err });
  }
  const { voters, learners } = (parsed ?? {}) as { voters?: unknown; learners?: unknown };
  if (!isIdList(voters) || !isIdList(learners)) throw new StorageError(`membership of ${logId} is malformed`);
  return { voters, learners };
}

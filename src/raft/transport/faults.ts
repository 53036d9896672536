import { ErrorCode, KafkaError } from '../../util/errors.js';

/**
 * An injected fault on one directed link, for the fault-injection suite. Drop all = dropProbability 1.
 * A delay holds each frame for `delayMs` before it is queued for the socket (or, on the receiving
 * side, before it is delivered); frames delayed by the same amount keep their order, and a jitter
 * (uniform extra delay in [0, jitterMs)) reorders them, which TCP alone never does.
 */
export interface LinkFault {
  /** Probability in [0, 1] that a frame is silently lost. */
  dropProbability?: number;
  delayMs?: number;
  jitterMs?: number;
}

export type LinkDirection = 'out' | 'in';

/**
 * Faults arrive from an admin channel, i.e. from outside: a bad one is refused with an error the
 * caller can report, never an assertion that would take the node down.
 */
export function validateFault(fault: LinkFault): void {
  const p = fault.dropProbability ?? 0;
  const d = fault.delayMs ?? 0;
  if (!(Number.isFinite(p) && p >= 0 && p <= 1)) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `dropProbability must be in [0, 1], got ${p}`);
  }
  if (!(Number.isFinite(d) && d >= 0 && d <= MAX_DELAY_MS)) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `delayMs must be in [0, ${MAX_DELAY_MS}], got ${d}`);
  }
  const j = fault.jitterMs ?? 0;
  if (!(Number.isFinite(j) && j >= 0 && j <= MAX_DELAY_MS)) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `jitterMs must be in [0, ${MAX_DELAY_MS}], got ${j}`);
  }
}

const MAX_DELAY_MS = 3_600_000;

export type FaultVerdict = { action: 'pass' } | { action: 'drop' } | { action: 'delay'; delayMs: number };

const PASS: FaultVerdict = Object.freeze({ action: 'pass' });
const DROP: FaultVerdict = Object.freeze({ action: 'drop' });

/** Pure decision for one frame; `random` is the transport's injected source. */
export function judgeFrame(fault: LinkFault | undefined, random: () => number): FaultVerdict {
  if (fault === undefined) return PASS;
  const p = fault.dropProbability ?? 0;
  if (p >= 1 || (p > 0 && random() < p)) return DROP;
  const j = fault.jitterMs ?? 0;
  const d = (fault.delayMs ?? 0) + (j > 0 ? random() * j : 0);
  return d > 0 ? { action: 'delay', delayMs: d } : PASS;
}

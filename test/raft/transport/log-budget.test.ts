import { describe, expect, it } from 'vitest';
import { LogBudget } from '../../../src/raft/transport/log-budget.js';
import { captureLog } from './helpers.js';

describe('LogBudget', () => {
  it('allows a fixed number per window and reports what it suppressed when the next one opens', () => {
    const log = captureLog();
    const budget = new LogBudget(2, 1000, log.logger, 'noisy');
    expect([0, 10, 20, 30].map((t) => budget.allow(t))).toEqual([true, true, false, false]);
    expect(budget.allow(1000)).toBe(true);
    expect(log.lines).toEqual([expect.objectContaining({ msg: 'suppressed noisy logs', suppressed: 2, windowMs: 1000 })]);
    expect(budget.allow(1500)).toBe(true);
    expect(budget.allow(1600)).toBe(false);
  });
});

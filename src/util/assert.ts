/**
 * Invariant checks in the TigerBeetle spirit: a failed assertion is a programmer error, so the
 * process crashes loudly instead of limping on with corrupt state.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`);
}

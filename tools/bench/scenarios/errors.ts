/** A benchmark step that could not produce a figure (a client failed, a bound was hit). */
export class BenchError extends Error {
  override readonly name = 'BenchError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

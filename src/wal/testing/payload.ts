/** Deterministic entry payloads, so a process that reopens a log can check bytes it never saw written. */
export function testPayload(index: number, sizeBytes: number): Uint8Array {
  const b = Buffer.allocUnsafe(sizeBytes);
  let x = (index * 2654435761) >>> 0;
  for (let i = 0; i < sizeBytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const TWO_POW_32 = 4294967296;

/** int64 big-endian as a number (exact within ±2^53), without a BigInt allocation. */
export function readInt64(b: Buffer, at: number): number {
  return b.readInt32BE(at) * TWO_POW_32 + b.readUInt32BE(at + 4);
}

export function writeInt64(b: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / TWO_POW_32);
  b.writeInt32BE(hi, at);
  b.writeUInt32BE(v - hi * TWO_POW_32, at + 4);
}

/** Shared formatting of numbers, CRCs, bytes and tables for the text output. */

export function hex32(n: number | undefined): string {
  return n === undefined ? 'n/a' : `0x${n.toString(16).padStart(8, '0')}`;
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

const ENTRY_TYPES: Readonly<Record<number, string>> = { 0: 'normal', 1: 'conf', 2: 'kafka' };

export function entryTypeName(type: number): string {
  return ENTRY_TYPES[type] ?? `unknown(${type})`;
}

const CODECS: Readonly<Record<number, string>> = { 0: 'none', 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

export function codecName(codec: number): string {
  return CODECS[codec] ?? `unknown(${codec})`;
}

/** Printable ASCII plus common whitespace: shown as text, anything else as hex. */
function isPrintable(buf: Uint8Array): boolean {
  for (const b of buf) if ((b < 0x20 || b > 0x7e) && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  return true;
}

/**
 * A key or value for a human: quoted text when printable, else `0x…` hex; truncated to
 * `maxBytes` with a note of how much was left out.
 */
export function showBytes(buf: Uint8Array | null, maxBytes: number): string {
  if (buf === null) return 'null';
  const shown = buf.subarray(0, maxBytes);
  const more = buf.byteLength > maxBytes ? `…(+${buf.byteLength - maxBytes} bytes)` : '';
  if (isPrintable(shown)) return `${JSON.stringify(Buffer.from(shown).toString('latin1'))}${more}`;
  return `0x${Buffer.from(shown).toString('hex')}${more}`;
}

/** For --json: the same choice, as data. */
export function jsonBytes(buf: Uint8Array | null, maxBytes: number): { text: string } | { hex: string } | null {
  if (buf === null) return null;
  const shown = Buffer.from(buf.subarray(0, maxBytes));
  return isPrintable(shown) ? { text: shown.toString('latin1') } : { hex: shown.toString('hex') };
}

/** Left-aligned columns, widths from the content. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)];
}

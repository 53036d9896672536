/** Problems found by verify/index, kept bounded: counts are exact, the lists are capped. */

export type Severity = 'corruption' | 'warning';

export interface Finding {
  severity: Severity;
  logId: string;
  /** Segment file path, when the finding is in one. */
  segment?: string;
  /** Byte position in the segment. */
  position?: number;
  /** Entry index, when known. */
  index?: number;
  expectedCrc?: number;
  actualCrc?: number;
  message: string;
}

export const DEFAULT_MAX_FINDINGS = 1000;

export class Findings {
  readonly corruptions: Finding[] = [];
  readonly warnings: Finding[] = [];
  corruptionCount = 0;
  warningCount = 0;

  constructor(private readonly maxEach = DEFAULT_MAX_FINDINGS) {}

  add(f: Finding): void {
    if (f.severity === 'corruption') {
      this.corruptionCount++;
      if (this.corruptions.length < this.maxEach) this.corruptions.push(f);
    } else {
      this.warningCount++;
      if (this.warnings.length < this.maxEach) this.warnings.push(f);
    }
  }

  get first(): Finding | undefined {
    return this.corruptions[0];
  }
}

/** One line naming exactly where: log, segment, byte, entry, CRCs. */
export function describeFinding(f: Finding): string {
  const parts = [`log ${f.logId}`];
  if (f.segment !== undefined) parts.push(`segment ${f.segment}`);
  if (f.position !== undefined) parts.push(`byte ${f.position}`);
  if (f.index !== undefined) parts.push(`entry ${f.index}`);
  if (f.expectedCrc !== undefined) parts.push(`expected CRC 0x${f.expectedCrc.toString(16).padStart(8, '0')}`);
  if (f.actualCrc !== undefined) parts.push(`actual CRC 0x${f.actualCrc.toString(16).padStart(8, '0')}`);
  return `${parts.join(', ')}: ${f.message}`;
}

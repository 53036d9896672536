/**
 * Checks one segment file's header against the recovery decision table (rows 8, 9, 11) and the
 * segment before it.
 */
import { decodeSegmentHeader, FORMAT_VERSION, SEGMENT_HEADER_BYTES, segmentHeaderValid } from '../../src/wal/frame.js';
import type { Finding } from './findings.js';
import type { SegmentFile } from './target.js';

export interface HeaderCheck {
  /** Frames can be walked (even if the header is bad, for decoding past corruption). */
  walk: boolean;
  version: number | undefined;
  headerBase: number | undefined;
  findings: Omit<Finding, 'logId'>[];
}

export function checkSegmentHeader(bytes: Uint8Array, seg: SegmentFile, isLast: boolean, expectedBase: number | undefined): HeaderCheck {
  const h = decodeSegmentHeader(bytes);
  const at = { segment: seg.path, position: 0 };
  const findings: HeaderCheck['findings'] = [];
  if (h === undefined || !segmentHeaderValid(h)) {
    if (isLast && bytes.byteLength <= SEGMENT_HEADER_BYTES) {
      findings.push({ severity: 'warning', ...at, message: 'torn segment creation: empty last segment with a bad header would be deleted on open' });
      return { walk: false, version: undefined, headerBase: undefined, findings };
    }
    const crc = h === undefined ? {} : { expectedCrc: h.crc };
    findings.push({ severity: 'corruption', ...at, ...crc, message: h === undefined ? 'segment header truncated' : 'bad segment header (magic, size or CRC)' });
    return { walk: true, version: undefined, headerBase: undefined, findings };
  }
  if (h.version > FORMAT_VERSION) {
    findings.push({ severity: 'corruption', ...at, message: `segment format version ${h.version} is newer than this build's ${FORMAT_VERSION}` });
  }
  if (h.baseIndex !== seg.baseIndex) {
    findings.push({ severity: 'corruption', ...at, message: `segment header says base index ${h.baseIndex}, file name says ${seg.baseIndex}` });
  }
  if (expectedBase !== undefined && seg.baseIndex !== expectedBase) {
    findings.push({ severity: 'corruption', ...at, index: expectedBase, message: `segment starts at index ${seg.baseIndex}, expected ${expectedBase} (previous segment's last + 1)` });
  }
  return { walk: true, version: h.version, headerBase: h.baseIndex, findings };
}

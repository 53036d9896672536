/** Creating, opening and removing segment files (the only place that names them). */
import type { FileIO } from './file-io.js';
import type { StoreContext } from './context.js';
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES, segmentFileName } from './frame.js';
import { newSegment, type Segment } from './segment.js';

/**
 * A new segment is made durable (header fdatasync'd, directory fsync'd) before any frame goes in,
 * so recovery never sees frames in a file whose name may vanish. The fdatasync also covers the
 * truncate, which O_DSYNC writes do not.
 */
export async function createSegment(ctx: StoreContext, dir: string, baseIndex: number): Promise<Segment> {
  const { io } = ctx;
  const sync = ctx.fsync === 'always';
  const path = `${dir}/${segmentFileName(baseIndex)}`;
  const fd = await io.open(path, { create: true, dsync: ctx.dsync });
  await io.truncate(fd, 0);
  await io.write(fd, [encodeSegmentHeader(baseIndex)], 0);
  if (sync) {
    await io.datasync(fd);
    await io.syncDir(dir);
  }
  return newSegment(baseIndex, path, fd, SEGMENT_HEADER_BYTES);
}

export async function removeSegment(io: FileIO, seg: Segment): Promise<void> {
  await io.close(seg.fd);
  await io.unlink(seg.path);
}

/** Log ids become directory names: keep [A-Za-z0-9._-], percent-encode every other UTF-8 byte. */
export function sanitiseLogId(logId: string): string {
  const bytes = Buffer.from(logId, 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out === '.' || out === '..' || out === '') out = out.replace(/\./g, '%2E') || '%00';
  return out;
}

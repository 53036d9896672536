/** Text and JSON renderings of one frame for `dump`. */
import { EntryType } from '../../src/wal/entry.js';
import { entryTypeName, hex32 } from './format.js';
import { batchRecords, recordJson, recordText, summariseBatch, type BatchSummary } from './kafka.js';
import type { Damage, WalkedFrame } from './walk.js';

export interface FrameView {
  segment: string;
  frame: WalkedFrame;
  deep: boolean;
  maxBytes: number;
}

function batchText(b: BatchSummary): string {
  return [
    `baseOffset=${b.baseOffset} lastOffset=${b.lastOffset} count=${b.recordCount}`,
    `leaderEpoch=${b.partitionLeaderEpoch} firstTimestamp=${b.firstTimestamp} maxTimestamp=${b.maxTimestamp} codec=${b.codec}`,
    `producerId=${b.producerId} producerEpoch=${b.producerEpoch} baseSequence=${b.baseSequence}`,
    `batchCrc=${b.crcOk ? 'ok' : `BAD(stored ${hex32(b.storedCrc)}, actual ${hex32(b.actualCrc)})`}`,
    ...(b.transactional ? ['transactional'] : []),
    ...(b.control ? ['control'] : []),
  ].join(' ');
}

export function frameLines(v: FrameView): string[] {
  const { frame: f } = v;
  const h = f.header;
  const crc = f.crcOk ? 'ok' : `BAD(expected ${hex32(h.crc)}, actual ${hex32(f.actualCrc)})`;
  let line = `pos=${f.position} index=${h.index} term=${h.term} type=${entryTypeName(h.type)} size=${h.length} crc=${crc}`;
  if (h.type !== EntryType.KAFKA_BATCH) return [line];
  const s = summariseBatch(f.payload);
  line += s.ok ? ` ${batchText(s.batch)}` : ` batch=UNREADABLE(${s.error})`;
  if (!v.deep) return [line];
  const r = batchRecords(f.payload);
  if (!r.ok) return [line, `    | records not shown: ${r.error}`];
  return [line, ...r.records.map((rec) => `    | ${recordText(rec, v.maxBytes)}`)];
}

export function frameJson(v: FrameView): Record<string, unknown> {
  const { frame: f } = v;
  const h = f.header;
  const out: Record<string, unknown> = {
    segment: v.segment,
    position: f.position,
    index: h.index,
    term: h.term,
    type: h.type,
    typeName: entryTypeName(h.type),
    size: h.length,
    crcOk: f.crcOk,
    expectedCrc: h.crc,
    actualCrc: f.actualCrc,
  };
  if (h.type !== EntryType.KAFKA_BATCH) return out;
  const s = summariseBatch(f.payload);
  out.batch = s.ok ? s.batch : { error: s.error };
  if (!v.deep) return out;
  const r = batchRecords(f.payload);
  out.records = r.ok ? r.records.map((rec) => recordJson(rec, v.maxBytes)) : { error: r.error };
  return out;
}

export function damageLine(d: Damage): string {
  const next = d.resumeAt === undefined ? 'no valid frame after it' : `next valid frame at ${d.resumeAt}`;
  const crc = d.reason === 'bad-crc' ? ` expected ${hex32(d.header?.crc)} actual ${hex32(d.actualCrc)}` : '';
  return `pos=${d.position} DAMAGE ${d.reason}${crc}${d.header === undefined ? '' : ` (header says index ${d.header.index} term ${d.header.term} size ${d.header.length})`}; ${next}`;
}

export function damageJson(segment: string, d: Damage): Record<string, unknown> {
  return {
    segment,
    damage: d.reason,
    position: d.position,
    headerIndex: d.header?.index ?? null,
    expectedCrc: d.header?.crc ?? null,
    actualCrc: d.actualCrc ?? null,
    resumeAt: d.resumeAt ?? null,
  };
}

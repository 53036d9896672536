export { buildRecordBatch, type BuildBatchOptions, type RecordInput } from './build.js';
export { buildControlBatch, controlRecordType, type ControlBatchOptions, type ControlType } from './control.js';
export { CorruptRecordBatchError, InvalidRecordError, UnsupportedMessageFormatError } from './errors.js';
export { computeBatchCrc, readBatchHeader, recordsCrc, verifyBatchCrc, type RecordBatchHeader } from './header.js';
export { Compression, type CompressionCodec, type TimestampType } from './layout.js';
export { assignOffsets, nextOffsetAfter, setLogAppendTime } from './patch.js';
export { decodeBatch, type DecodedBatch, type KafkaRecord, type RecordHeader } from './records.js';
export { splitBatches } from './split.js';
export { validateProducedBatch, validateProducedRecords } from './validate.js';

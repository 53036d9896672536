/**
 * Byte offsets of the magic-2 record batch header (the protocol guide's "Record Batch" section).
 * batchLength counts the bytes after itself; the CRC-32C covers attributes to the end.
 */
export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;

/** Bytes before batchLength's coverage starts: baseOffset + batchLength. */
export const LOG_OVERHEAD = 12;
export const HEADER_BYTES = RECORDS;
export const CURRENT_MAGIC = 2;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCodec = (typeof Compression)[keyof typeof Compression];

export type TimestampType = 'create-time' | 'log-append-time';

/**
 * The shape of the schema tables that tools/gen-protocol emits from Kafka's message JSON. They are
 * data, compiled once per message into per-version encode/decode closures (compile.ts).
 */

/** Inclusive [min, max]; "N+" in the JSON becomes [N, 32767]. */
export type VersionRange = readonly [number, number];

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

export type FieldType = PrimitiveType | 'struct';

export interface FieldSpec {
  /** The JavaScript property name (Kafka's name with a lower-case first letter). */
  readonly name: string;
  readonly type: FieldType;
  readonly array: boolean;
  readonly versions: VersionRange;
  readonly nullable: VersionRange | null;
  /** Tag number and the versions in which the field is a tagged field. */
  readonly tag: number | null;
  readonly tagged: VersionRange | null;
  /**
   * The schema default. For scalars the value itself; for arrays, structs, bytes and records either
   * null (the default is null) or 'empty' (an empty array/buffer, a struct of defaults).
   */
  readonly default: number | boolean | string | null;
  /** Fields of a struct (or of an array's struct elements). */
  readonly fields: readonly FieldSpec[] | null;
}

export interface MessageSpec {
  readonly name: string;
  readonly type: 'request' | 'response' | 'data' | 'metadata';
  readonly apiKey: number | null;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange | null;
  readonly fields: readonly FieldSpec[];
}

export const MAX_VERSION = 32767;

export function inRange(range: VersionRange | null, version: number): boolean {
  return range !== null && version >= range[0] && version <= range[1];
}

/**
 * A `records` field: decoding always yields one Buffer (a view of the request frame); encoders also
 * accept a list of buffers, spliced into the output in order, so a fetch response carries stored
 * batches from the log to the socket without joining them.
 */
export type RecordSet = Buffer | readonly Uint8Array[];

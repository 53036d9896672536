export { byteLength, compileMessage, type MessageCodec } from './codec.js';
export { ProtocolDecodeError } from './errors.js';
export {
  encodeRequestFrame,
  encodeResponsePrefix,
  isKnownApiKey,
  readRequestHeader,
  requestHeaderIsFlexible,
  responseHeaderIsFlexible,
  type RequestHeader,
} from './header.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export type { FieldSpec, MessageSpec, VersionRange } from './schema.js';
export * from './generated/index.js';

/**
 * Reads the topic list out of a consumer-protocol subscription (ConsumerProtocolSubscription:
 * int16 version, then an array of int16-length strings). This is the one place the coordinator
 * looks inside assignor metadata: OffsetDelete must refuse to delete offsets of a topic the
 * group still consumes. Returns null when the bytes do not parse, which callers treat as
 * "possibly subscribed to everything".
 */
export function subscribedTopics(metadata: Uint8Array): string[] | null {
  const buf = Buffer.from(metadata.buffer, metadata.byteOffset, metadata.byteLength);
  if (buf.length < 6) return null;
  const version = buf.readInt16BE(0);
  const count = buf.readInt32BE(2);
  if (version < 0 || count < 0 || count > buf.length) return null;
  const topics: string[] = [];
  let pos = 6;
  for (let i = 0; i < count; i++) {
    if (pos + 2 > buf.length) return null;
    const length = buf.readInt16BE(pos);
    pos += 2;
    if (length < 0 || pos + length > buf.length) return null;
    topics.push(buf.toString('utf8', pos, pos + length));
    pos += length;
  }
  return topics;
}

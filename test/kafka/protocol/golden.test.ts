import { describe, expect, it } from 'vitest';
import {
  ApiVersionsRequestCodec,
  ApiVersionsResponseCodec,
  FetchResponseCodec,
  MetadataRequestCodec,
  encodeRequestFrame,
  readRequestHeader,
  Reader,
  type FetchResponse,
} from '../../../src/kafka/protocol/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const enc = <T>(codec: { encode(v: T, version: number): Buffer[] }, v: T, version: number): string =>
  Buffer.concat(codec.encode(v, version)).toString('hex');

/** Byte layouts worked out by hand from the protocol guide's BNF and type descriptions. */
describe('golden bytes', () => {
  it('ApiVersions v3 request: compact strings and an empty tagged-field section', () => {
    const body = { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' };
    const golden = hex('0b 6c69627264 6b61666b61  06 322e302e32  00');
    expect(enc(ApiVersionsRequestCodec, body, 3)).toBe(golden.toString('hex'));
    expect(ApiVersionsRequestCodec.decode(golden, 3)).toEqual(body);
    // v0-v2 have no body at all.
    expect(enc(ApiVersionsRequestCodec, body, 2)).toBe('');
  });

  it('request header v2 keeps a classic int16 client id, then tagged fields', () => {
    const frame = encodeRequestFrame({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'x' }, [hex('01 01 00')]);
    expect(frame).toEqual(hex('0000000f  0012 0003 00000001 0001 78 00  01 01 00'));
    const r = new Reader(frame.subarray(4));
    expect(readRequestHeader(r)).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'x' });
    expect(r.pos).toBe(12);
    // Header v0 (ControlledShutdown v0 only): no client id at all.
    expect(readRequestHeader(new Reader(hex('0007 0000 00000003 00000001')))).toEqual({ apiKey: 7, apiVersion: 0, correlationId: 3, clientId: null });
    expect(encodeRequestFrame({ apiKey: 7, apiVersion: 0, correlationId: 3, clientId: null }, [hex('00000001')])).toEqual(hex('0000000c 0007 0000 00000003 00000001'));
    // Header v1 (ApiVersions v2): no tagged fields; null client id is length -1.
    expect(encodeRequestFrame({ apiKey: 18, apiVersion: 2, correlationId: 2, clientId: null }, [])).toEqual(hex('0000000a 0012 0002 00000002 ffff'));
  });

  it('ApiVersions response v0 and v3, including a tagged field', () => {
    const response = { ...ApiVersionsResponseCodec.defaults(), apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] };
    expect(enc(ApiVersionsResponseCodec, response, 0)).toBe('0000' + '00000001' + '0012' + '0000' + '0003');
    expect(enc(ApiVersionsResponseCodec, response, 3)).toBe('0000' + '02' + '0012000000030' + '0' + '00000000' + '00');
    const tagged = { ...response, finalizedFeaturesEpoch: 5 };
    const bytes = hex('0000 02 0012 0000 0003 00 00000000  01 01 08 0000000000000005');
    expect(enc(ApiVersionsResponseCodec, tagged, 3)).toBe(bytes.toString('hex'));
    expect(ApiVersionsResponseCodec.decode(bytes, 3)).toEqual(tagged);
    // Unknown tags are skipped, as the flexible-versions rules require.
    const unknownTag = hex('0000 02 0012 0000 0003 00 00000000  01 07 02 abcd');
    expect(ApiVersionsResponseCodec.decode(unknownTag, 3)).toEqual(response);
  });

  it('Metadata requests: classic arrays, compact arrays, null arrays', () => {
    expect(enc(MetadataRequestCodec, { ...MetadataRequestCodec.defaults(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'a' }] }, 0)).toBe('00000001000161');
    expect(enc(MetadataRequestCodec, { ...MetadataRequestCodec.defaults(), topics: null }, 1)).toBe('ffffffff');
    const v9 = { ...MetadataRequestCodec.defaults(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'a' }], allowAutoTopicCreation: true };
    expect(enc(MetadataRequestCodec, v9, 9)).toBe('02' + '026100' + '01' + '00' + '00' + '00');
    expect(enc(MetadataRequestCodec, { ...v9, topics: null }, 9)).toBe('00' + '01' + '00' + '00' + '00');
  });

  it('encodes fetched record batches by reference, not by copy', () => {
    const records = Buffer.alloc(64 * 1024, 0xab);
    const response: FetchResponse = {
      ...FetchResponseCodec.defaults(),
      responses: [
        {
          topic: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 10,
              lastStableOffset: 10,
              logStartOffset: 0,
              divergingEpoch: { epoch: -1, endOffset: -1 },
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
              snapshotId: { endOffset: -1, epoch: -1 },
              abortedTransactions: null,
              preferredReadReplica: -1,
              records,
            },
          ],
        },
      ],
    };
    for (const version of [4, 11, 12, 16]) {
      const chunks = FetchResponseCodec.encode(response, version);
      // Identity, not equality: the very buffer the log handed over is in the output list.
      expect(chunks.includes(records)).toBe(true);
      const decoded = FetchResponseCodec.decode(Buffer.concat(chunks), version);
      expect(Buffer.from(decoded.responses[0]?.partitions[0]?.records as Buffer).equals(records)).toBe(true);
    }
  });

  it('splices a list of stored batches into a fetch response without joining them', () => {
    const a = Buffer.alloc(100, 1);
    const b = Buffer.alloc(50, 2);
    const response = FetchResponseCodec.defaults();
    response.responses = [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ ...FetchResponseCodec.defaults().responses[0], partitionIndex: 0, errorCode: 0, highWatermark: 2, lastStableOffset: 2, logStartOffset: 0, divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: -1, leaderEpoch: -1 }, snapshotId: { endOffset: -1, epoch: -1 }, abortedTransactions: null, preferredReadReplica: -1, records: [a, b] }] }];
    for (const version of [4, 11, 12]) {
      const chunks = FetchResponseCodec.encode(response, version);
      expect(chunks.includes(a) && chunks.includes(b)).toBe(true);
      const decoded = FetchResponseCodec.decode(Buffer.concat(chunks), version);
      expect(Buffer.from(decoded.responses[0]?.partitions[0]?.records as Buffer).equals(Buffer.concat([a, b]))).toBe(true);
    }
  });

  it('writes a tagged struct only when it differs from its default', () => {
    const partition = {
      partitionIndex: 0, errorCode: 0, highWatermark: 0, lastStableOffset: -1, logStartOffset: -1,
      divergingEpoch: { epoch: -1, endOffset: -1 }, currentLeader: { leaderId: -1, leaderEpoch: -1 },
      snapshotId: { endOffset: -1, epoch: -1 }, abortedTransactions: null, preferredReadReplica: -1, records: null,
    };
    const response = (p: typeof partition): FetchResponse => ({
      ...FetchResponseCodec.defaults(),
      responses: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [p] }],
    });
    const plain = Buffer.concat(FetchResponseCodec.encode(response(partition), 12));
    const withLeader = { ...partition, currentLeader: { leaderId: 3, leaderEpoch: 4 } };
    const tagged = Buffer.concat(FetchResponseCodec.encode(response(withLeader), 12));
    // tag (1) + size (1) + two int32 (8) + the struct's own empty tagged section (1)
    expect(tagged.length - plain.length).toBe(11);
    expect(tagged.includes(hex('01 09 00000003 00000004 00'))).toBe(true);
    expect(FetchResponseCodec.decode(tagged, 12).responses[0]?.partitions[0]?.currentLeader).toEqual({ leaderId: 3, leaderEpoch: 4 });
    expect(FetchResponseCodec.decode(plain, 12).responses[0]?.partitions[0]?.currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
  });
});

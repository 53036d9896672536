import { apiCodecs, encodeRequestFrame, responseHeaderIsFlexible, type ApiKeyValue, type ApiMessages } from '../../src/kafka/protocol/index.js';
import { RawClient } from '../kafka/server/raw-client.js';

/**
 * One request/response round trip with our own codecs, for assertions on fields that client
 * libraries do not expose (leader epochs, error codes of newer versions).
 */
export async function kafkaRequest<K extends ApiKeyValue>(
  port: number,
  apiKey: K,
  apiVersion: number,
  body: Partial<ApiMessages[K]['request']>,
  timeoutMs = 10_000,
): Promise<ApiMessages[K]['response']> {
  const codecs = apiCodecs[apiKey];
  const request = { ...codecs.request.defaults(), ...body } as ApiMessages[K]['request'];
  const client = await RawClient.connect(port);
  try {
    client.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: 1, clientId: 'chronik-test' }, codecs.request.encode(request, apiVersion)));
    await client.waitFrames(1, timeoutMs);
    const frame = client.frames[0] as Buffer;
    // Response header: correlation id, plus an empty tagged-field section in flexible versions.
    const headerBytes = 4 + (responseHeaderIsFlexible(apiKey, apiVersion) ? 1 : 0);
    return codecs.response.decode(frame.subarray(headerBytes), apiVersion) as ApiMessages[K]['response'];
  } finally {
    client.destroy();
  }
}

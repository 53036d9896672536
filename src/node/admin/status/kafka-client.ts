import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { apiCodecs, encodeRequestFrame, responseHeaderIsFlexible, type ApiKeyValue, type ApiMessages } from '../../../kafka/protocol/index.js';
import { FrameDecoder } from '../../../kafka/server/frame-decoder.js';
import { ErrorCode, KafkaError } from '../../../util/errors.js';

/** Responses of the few admin APIs `chronik status` uses are small; anything bigger is refused. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_PENDING = 64;

type Pending = { resolve: (frame: Buffer) => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

/**
 * A minimal Kafka client over our own codecs: one connection, pipelined requests matched by
 * correlation id, each bounded by its timeout. For operator tools, not for the data path.
 */
export class KafkaAdminClient {
  private readonly decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelation = 1;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new KafkaError(ErrorCode.NETWORK_EXCEPTION, err.message, { cause: err })));
    socket.on('close', () => this.fail(new KafkaError(ErrorCode.NETWORK_EXCEPTION, 'connection closed')));
  }

  static async connect(host: string, port: number, timeoutMs: number): Promise<KafkaAdminClient> {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      await once(socket, 'connect');
    } catch (err) {
      throw new KafkaError(ErrorCode.NETWORK_EXCEPTION, `cannot connect to ${host}:${port}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    return new KafkaAdminClient(socket);
  }

  async request<K extends ApiKeyValue>(apiKey: K, apiVersion: number, body: Partial<ApiMessages[K]['request']>, timeoutMs: number): Promise<ApiMessages[K]['response']> {
    if (this.failure !== undefined) throw this.failure;
    if (this.pending.size >= MAX_PENDING) throw new KafkaError(ErrorCode.REQUEST_TIMED_OUT, 'too many requests in flight');
    const codecs = apiCodecs[apiKey];
    const request = { ...codecs.request.defaults(), ...body } as ApiMessages[K]['request'];
    const correlationId = this.nextCorrelation++;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `${codecs.name} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
      this.socket.write(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'chronik-status' }, codecs.request.encode(request, apiVersion)));
    });
    const headerBytes = 4 + (responseHeaderIsFlexible(apiKey, apiVersion) ? 1 : 0);
    return codecs.response.decode(frame.subarray(headerBytes), apiVersion) as ApiMessages[K]['response'];
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(chunk);
      for (let f = this.decoder.next(); f !== undefined; f = this.decoder.next()) {
        const p = this.pending.get(f.readInt32BE(0));
        if (p === undefined) continue;
        this.pending.delete(f.readInt32BE(0));
        clearTimeout(p.timer);
        p.resolve(Buffer.from(f));
      }
    } catch (err) {
      this.fail(new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'bad response frame', { cause: err }));
      this.socket.destroy();
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}

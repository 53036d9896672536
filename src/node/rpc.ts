import type { NodeTransport } from '../raft/transport/index.js';
import { assert } from '../util/assert.js';
import { ErrorCode, KafkaError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';

/**
 * Request/response calls between nodes, on the same connections as Raft traffic. A frame starts
 * with RPC_FRAME_TAG, a byte that is never a Raft frame version, so the two kinds never mix:
 *
 *   tag u8 (0xF0) | kind u8 (1 request, 2 response) | id u32 | JSON body (utf8)
 *
 * Bodies are small control messages (forwarded metadata commands), so JSON is fine here; the
 * data path (Raft entries) never goes through this channel.
 */
export const RPC_FRAME_TAG = 0xf0;
const KIND_REQUEST = 1;
const KIND_RESPONSE = 2;
const HEADER_BYTES = 6;
export const DEFAULT_MAX_PENDING_CALLS = 1024;

export type RpcHandler = (from: number, body: unknown) => Promise<unknown>;

interface PendingCall {
  readonly to: number;
  resolve(body: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface WireRequest {
  method: string;
  body: unknown;
}

interface WireResponse {
  ok: boolean;
  body?: unknown;
  error?: { code: number; message: string };
}

export class RpcError extends KafkaError {
  override readonly name = 'RpcError';
}

export class NodeRpc {
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly pending = new Map<number, PendingCall>();
  private readonly log: Logger;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeDown: () => void;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly transport: NodeTransport,
    logger: Logger,
    private readonly maxPending = DEFAULT_MAX_PENDING_CALLS,
  ) {
    this.log = logger.child({ module: 'rpc' });
    this.unsubscribe = transport.onFrame((from, payload) => this.receive(from, payload));
    // A call to a peer whose connection dropped will not be answered: fail it now (retriable)
    // instead of letting the caller sit out its whole timeout.
    this.unsubscribeDown = transport.onPeerDown((peer) => this.failCallsTo(peer));
  }

  private failCallsTo(peer: number): void {
    for (const [id, call] of this.pending) {
      if (call.to !== peer) continue;
      this.pending.delete(id);
      clearTimeout(call.timer);
      call.reject(new RpcError(ErrorCode.NETWORK_EXCEPTION, `node ${peer} went down before answering`));
    }
  }

  register(method: string, handler: RpcHandler): void {
    assert(!this.handlers.has(method), `rpc method ${method} registered twice`);
    this.handlers.set(method, handler);
  }

  /** Calls `method` on node `to`; rejects with a KafkaError on timeout, a full queue or a remote error. */
  call(to: number, method: string, body: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcError(ErrorCode.NETWORK_EXCEPTION, 'rpc closed'));
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(new RpcError(ErrorCode.REQUEST_TIMED_OUT, `too many rpc calls pending (${this.maxPending})`));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(ErrorCode.REQUEST_TIMED_OUT, `rpc ${method} to node ${to} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { to, resolve, reject, timer });
      const request: WireRequest = { method, body };
      if (!this.transport.send(to, encode(KIND_REQUEST, id, request))) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RpcError(ErrorCode.NETWORK_EXCEPTION, `rpc ${method}: cannot send to node ${to}`));
      }
    });
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.unsubscribeDown();
    for (const call of this.pending.values()) {
      clearTimeout(call.timer);
      call.reject(new RpcError(ErrorCode.NETWORK_EXCEPTION, 'rpc closed'));
    }
    this.pending.clear();
  }

  private receive(from: number, payload: Buffer): void {
    if (this.closed || payload.byteLength < HEADER_BYTES || payload[0] !== RPC_FRAME_TAG) return;
    const kind = payload[1];
    const id = payload.readUInt32BE(2);
    let message: unknown;
    try {
      message = JSON.parse(payload.subarray(HEADER_BYTES).toString('utf8'));
    } catch (err) {
      this.log.warn({ from, err }, 'dropping undecodable rpc frame');
      return;
    }
    if (kind === KIND_REQUEST) void this.serve(from, id, message as WireRequest);
    else if (kind === KIND_RESPONSE) this.complete(id, message as WireResponse);
  }

  private async serve(from: number, id: number, request: WireRequest): Promise<void> {
    const handler = typeof request?.method === 'string' ? this.handlers.get(request.method) : undefined;
    let response: WireResponse;
    if (handler === undefined) {
      response = { ok: false, error: { code: ErrorCode.INVALID_REQUEST, message: `unknown rpc method ${String(request?.method)}` } };
    } else {
      try {
        response = { ok: true, body: await handler(from, request.body) };
      } catch (err) {
        const code = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
        if (!(err instanceof KafkaError)) this.log.error({ err, method: request.method, from }, 'rpc handler failed');
        response = { ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } };
      }
    }
    if (!this.closed) this.transport.send(from, encode(KIND_RESPONSE, id, response));
  }

  private complete(id: number, response: WireResponse): void {
    const call = this.pending.get(id);
    if (call === undefined) return; // timed out already
    this.pending.delete(id);
    clearTimeout(call.timer);
    if (response.ok) call.resolve(response.body);
    else call.reject(new RpcError(response.error?.code ?? ErrorCode.UNKNOWN_SERVER_ERROR, response.error?.message ?? 'remote error'));
  }
}

function encode(kind: number, id: number, message: WireRequest | WireResponse): Uint8Array[] {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header[0] = RPC_FRAME_TAG;
  header[1] = kind;
  header.writeUInt32BE(id, 2);
  return [header, Buffer.from(JSON.stringify(message), 'utf8')];
}

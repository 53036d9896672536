import type { Logger } from 'pino';
import { assert } from '../../util/assert.js';
import { noAuthentication, type HandshakeAuthenticator } from './auth.js';
import { MAX_FRAME_LIMIT_BYTES } from './codec.js';
import type { PeerAddress } from './types.js';

export interface NodeTransportOptions {
  nodeId: number;
  clusterId: string;
  listen: PeerAddress;
  /** The other nodes (our own id, if present, is ignored). */
  peers: ReadonlyMap<number, PeerAddress>;
  logger: Logger;
  /** Largest payload accepted or sent; checked before allocating. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Per-peer send queue bound, in wire bytes. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Per-peer send queue bound, in frames. Default 16384. */
  maxQueueFrames?: number;
  /** Default: no authentication. */
  authenticator?: HandshakeAuthenticator;
  /** Uniform in [0, 1): backoff jitter and probabilistic drop faults. Default Math.random. */
  random?: () => number;
  /** Reconnect backoff bounds. Defaults 50 ms and 2 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * Heartbeat when idle, and close a connection silent for idleTimeoutMs. Defaults 250 ms, 2 s: with
   * quiescence a silently partitioned idle leader is noticed by this timeout alone (docs/raft-driver.md).
   */
  heartbeatMs?: number;
  idleTimeoutMs?: number;
  /** Covers connect + handshake. Default 5 s. */
  handshakeTimeoutMs?: number;
  /** Accepted connections still in their handshake; more are closed at once. Default 64. */
  maxPendingHandshakes?: number;
}

export type ResolvedOptions = Required<NodeTransportOptions>;

export function resolveOptions(o: NodeTransportOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    maxFrameBytes: 64 * 1024 * 1024,
    maxQueueBytes: 64 * 1024 * 1024,
    maxQueueFrames: 16_384,
    authenticator: noAuthentication,
    random: Math.random,
    reconnectMinMs: 50,
    reconnectMaxMs: 2000,
    heartbeatMs: 250,
    idleTimeoutMs: 2000,
    handshakeTimeoutMs: 5000,
    maxPendingHandshakes: 64,
    ...o,
  };
  assert(isNodeId(r.nodeId), `nodeId must be a u32, got ${r.nodeId}`);
  assert(Buffer.byteLength(r.clusterId, 'utf8') <= 255, 'clusterId must be at most 255 bytes');
  assert(r.maxFrameBytes > 0 && r.maxFrameBytes <= MAX_FRAME_LIMIT_BYTES, 'maxFrameBytes out of range');
  assert(r.maxQueueBytes > 0 && r.maxQueueFrames > 0, 'queue limits must be positive');
  assert(r.heartbeatMs > 0 && r.idleTimeoutMs > r.heartbeatMs, 'idleTimeoutMs must exceed heartbeatMs');
  assert(r.handshakeTimeoutMs > 0 && r.maxPendingHandshakes > 0, 'handshake limits must be positive');
  assert(Number.isInteger(r.listen.port) && r.listen.port >= 0 && r.listen.port <= 65535, 'listen port out of range');
  validatePeers(r.peers);
  return r;
}

/** Peer sets come from configuration or committed membership, so a bad entry is a bug upstream. */
export function validatePeers(peers: ReadonlyMap<number, PeerAddress>): void {
  for (const [id, address] of peers) {
    assert(isNodeId(id), `peer id must be a u32, got ${id}`);
    assert(address.host.length > 0, `peer ${id} has an empty host`);
    assert(Number.isInteger(address.port) && address.port > 0 && address.port <= 65535, `peer ${id} has port ${address.port}`);
  }
}

export function isNodeId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= 0xffff_ffff;
}

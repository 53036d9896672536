/**
 * Node-to-node transport: moves opaque payloads between the nodes of a cluster over TCP. It knows
 * nothing of Raft; the multi-group driver multiplexes all its groups over one connection per
 * directed peer pair.
 *
 * - Frames: `[u32 length][u32 crc32c][u8 kind][payload]` (codec.ts). Limit checked before buffering;
 *   a bad frame closes only its connection (logged at warn with peer and reason).
 * - Handshake: CHALLENGE → HELLO → WELCOME | REFUSE (handshake.ts) carrying protocol version, cluster
 *   id and both node ids; an optional HandshakeAuthenticator proves identity (auth.ts).
 * - Connections: every node dials every peer; a dialed connection only sends, an accepted one only
 *   receives (transport.ts explains why). Redial with jittered exponential backoff (backoff.ts).
 * - Receive: a payload is handed out as the views of the socket reads it arrived in (`FrameParts`,
 *   never joined) to `onFrameParts` listeners; one may claim the payloads whose first byte is below
 *   a tag (the Raft host: below 0x80), which `onFrame` listeners (one joined Buffer each) then do
 *   not see.
 * - Flow: frames of one tick leave in one writev; `write() === false` parks frames in a bounded
 *   per-peer queue until `drain` (outbound.ts, queue.ts). Full queue: the oldest frames are dropped.
 * - Faults: per directed link drop / drop with probability / delay, at send or receive (faults.ts),
 *   applied to every frame of the link, handshake and keepalives included, so a cut link falls
 *   silent and the idle timeout reports it as a real partition would.
 */
export { NodeTransport } from './transport.js';
export type { NodeTransportOptions } from './options.js';
export type { PeerAddress, FrameListener, FramePartsListener, PeerListener } from './types.js';
export type { LinkFault, LinkDirection } from './faults.js';
export type { PeerStats, TransportStats } from './stats.js';
export { noAuthentication, SharedSecretAuthenticator } from './auth.js';
export type { HandshakeAuthenticator, HandshakeRole, HandshakeTranscript } from './auth.js';
export { TransportError, FrameError, HandshakeError } from './errors.js';
export { FRAME_HEADER_BYTES, FrameKind, encodeFrame, joinParts, payloadBytes, type FrameParts } from './codec.js';
export { FrameDecoder } from './decoder.js';
export { PROTOCOL_VERSION } from './handshake.js';

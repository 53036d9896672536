/** Counters of one peer, both directions. Plain numbers, so a metrics exporter can read them as is. */
export interface PeerStats {
  /** Our outbound (sending) connection to the peer has completed its handshake. */
  connected: boolean;
  /** The peer's connection to us (our receiving side) is established. */
  inboundConnected: boolean;
  /** DATA frames and their wire bytes (header included) written to / read from the peer. */
  framesOut: number;
  bytesOut: number;
  framesIn: number;
  bytesIn: number;
  /** Frames dropped because the bounded queue was full (oldest first). */
  queueDrops: number;
  /** Frames dropped or lost to an injected link fault. */
  faultDrops: number;
  /** Handshake and keepalive frames lost to an injected link fault (either direction). */
  controlFaultDrops: number;
  /** Successful outbound handshakes after the first one. */
  reconnects: number;
  /** Outbound attempts that failed (connect error, refusal, handshake timeout). */
  connectFailures: number;
  queuedFrames: number;
  queuedBytes: number;
}

export interface TransportStats {
  peers: Record<string, PeerStats>;
  /** Sends to a node that is not in the peer set. */
  unknownPeerDrops: number;
  /** Sends whose payload exceeds maxFrameBytes (the receiver would refuse the frame). */
  oversizeDrops: number;
  /** Inbound connections refused during the handshake. */
  refusedConnections: number;
  /** Connections closed for a bad frame (oversize, CRC mismatch, malformed or out of place). */
  badFrameCloses: number;
}

export function emptyPeerStats(): PeerStats {
  return {
    connected: false,
    inboundConnected: false,
    framesOut: 0,
    bytesOut: 0,
    framesIn: 0,
    bytesIn: 0,
    queueDrops: 0,
    faultDrops: 0,
    controlFaultDrops: 0,
    reconnects: 0,
    connectFailures: 0,
    queuedFrames: 0,
    queuedBytes: 0,
  };
}

export interface PeerAddress {
  host: string;
  port: number;
}

export type FrameListener = (from: number, payload: Buffer) => void;
export type PeerListener = (peerId: number) => void;

import type { FrameParts } from './codec.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export type FrameListener = (from: number, payload: Buffer) => void;
/** A received payload as the views of the socket reads it arrived in (codec.ts `FrameParts`). */
export type FramePartsListener = (from: number, parts: FrameParts) => void;
export type PeerListener = (peerId: number) => void;

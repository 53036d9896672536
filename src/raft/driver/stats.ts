/** Per-peer traffic the host generated (frames carry many groups' messages). */
export interface PeerTraffic {
  frames: number;
  messages: number;
  heartbeats: number;
}

/** The host's counters, as plain numbers for a metrics exporter to read. */
export interface RaftHostStats {
  /** Times a local group started campaigning (pre-vote or vote). */
  elections: number;
  /** Soft-state changes of the leader seen by local groups. */
  leaderChanges: number;
  proposals: number;
  /** Drains that persisted something (entries, hard states or snapshots): one WAL sync round each. */
  fsyncRounds: number;
  drains: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  /** Messages for groups not hosted here (the metadata layer creates groups): dropped. */
  unknownGroupDrops: number;
  /** Frames that did not decode, or messages with the wrong addressing: dropped. */
  badFrames: number;
  badMessages: number;
  peers: Record<string, PeerTraffic>;
  /** Groups hosted here that are quiesced (not ticked), as of the last tick. */
  quiescedGroups: number;
  /** Commit latency samples (propose → committed and applied on the leader), milliseconds. */
  commitLatencyMs: LatencyReservoir;
}

/** A bounded uniform sample of a stream (Vitter's algorithm R). */
export class LatencyReservoir {
  private readonly samples: number[] = [];
  private seen = 0;
  /** One optional subscriber told of every sample (the node's metrics histogram). */
  private listener: ((value: number) => void) | undefined;

  constructor(
    private readonly capacity: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Calls `listener` with every later sample; one subscriber at most (a second replaces it). */
  onSample(listener: ((value: number) => void) | undefined): void {
    this.listener = listener;
  }

  add(value: number): void {
    this.listener?.(value);
    this.seen++;
    if (this.samples.length < this.capacity) {
      this.samples.push(value);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.capacity) this.samples[j] = value;
  }

  get count(): number {
    return this.seen;
  }

  /** The q-quantile (0..1) of the retained samples; NaN when empty. */
  quantile(q: number): number {
    if (this.samples.length === 0) return Number.NaN;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  }

  reset(): void {
    this.samples.length = 0;
    this.seen = 0;
  }
}

export function newStats(): RaftHostStats {
  return {
    elections: 0,
    leaderChanges: 0,
    proposals: 0,
    fsyncRounds: 0,
    drains: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    unknownGroupDrops: 0,
    badFrames: 0,
    badMessages: 0,
    peers: {},
    quiescedGroups: 0,
    commitLatencyMs: new LatencyReservoir(4096),
  };
}

export function peerTraffic(stats: RaftHostStats, peer: number): PeerTraffic {
  const key = String(peer);
  let t = stats.peers[key];
  if (t === undefined) {
    t = { frames: 0, messages: 0, heartbeats: 0 };
    stats.peers[key] = t;
  }
  return t;
}

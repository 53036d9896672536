/**
 * Where a failover's time goes, read from the nodes' JSON log lines (pino: `time` in epoch ms).
 * Pure: give it each surviving node's lines and the moment of the kill; it returns, for each
 * phase, the first time (ms after the kill) any survivor logged it. Phases that need debug lines
 * (`--log-level debug`) are undefined at info level.
 */
export type LogLine = Readonly<Record<string, unknown>>;

export interface PhaseQuery {
  /** The killed node's id and the moment of the SIGKILL (epoch ms). */
  readonly killed: number;
  readonly killedAtMs: number;
  /** The partition's Raft group id (`p/<topicId>/<partition>`) and its topic/partition. */
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
}

export const PHASES = ['detected', 'forgot', 'campaign', 'leader', 'serving', 'announced', 'metaLeader'] as const;
export type Phase = (typeof PHASES)[number];
export type PhaseTimes = Partial<Record<Phase, number>>;

type Matcher = (l: LogLine, q: PhaseQuery) => boolean;

const MATCHERS: Record<Phase, Matcher> = {
  // The transport lost a connection with the killed node (our dial, or the one it dialed to us).
  detected: (l, q) => (l.msg === 'peer down' || l.msg === 'inbound connection closed') && l.peer === q.killed,
  // The driver made the killed node's groups forget it (info, one line per node).
  forgot: (l, q) => typeof l.msg === 'string' && l.msg.startsWith('lost the connection to the leader') && l.peer === q.killed,
  // The Raft core of the partition group (debug).
  campaign: (l, q) => l.group === q.groupId && l.msg === 'campaigning',
  leader: (l, q) => l.group === q.groupId && l.msg === 'became leader',
  // The partition replica serves produce (debug), and its LeaderElected is committed on __meta (debug).
  serving: (l, q) => l.module === 'partition' && l.topic === q.topic && l.partition === q.partition && l.msg === 'serving as leader',
  announced: (l, q) => l.msg === 'LeaderElected committed' && l.topic === q.topic && l.partition === q.partition,
  // When the killed node also led __meta: a survivor took __meta over (debug).
  metaLeader: (l) => l.group === '__meta' && l.msg === 'became leader',
};

/** First time (ms after the kill) each phase appears in any of the survivors' lines. */
export function failoverPhases(survivorLines: readonly (readonly LogLine[])[], q: PhaseQuery): PhaseTimes {
  const out: PhaseTimes = {};
  for (const lines of survivorLines) {
    for (const l of lines) {
      const t = l.time;
      if (typeof t !== 'number' || t < q.killedAtMs) continue;
      for (const phase of PHASES) {
        const prev = out[phase];
        if ((prev === undefined || t - q.killedAtMs < prev) && MATCHERS[phase](l, q)) out[phase] = t - q.killedAtMs;
      }
    }
  }
  return out;
}

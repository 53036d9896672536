/** The multi-group Raft driver: glues the pure core to the WAL and the node transport. */
export { RaftHost } from './host.js';
export type {
  AddGroupOptions,
  GroupKind,
  GroupMembers,
  GroupStateMachine,
  GroupStatus,
  LeaderChangeListener,
  ProposeResult,
  RaftHostOptions,
} from './types.js';
export type { RaftHostStats, PeerTraffic } from './stats.js';
export { LatencyReservoir } from './stats.js';
export { GroupNotFoundError, ProposalLostError, RaftClosedError, RaftTimeoutError } from './errors.js';
export { FRAME_VERSION, decodeFrame, FrameBuilder } from './frame.js';
export { toNodeId, toRaftId } from './ids.js';
export { OTHER_CHANNEL_MIN_TAG } from './inbound.js';
export type { RaftTracer, TracePoint } from './trace.js';

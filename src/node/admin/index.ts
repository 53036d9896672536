export { startAdminServer, type AdminServer, type AdminServerOptions } from './server.js';
export type { AdminSources } from './sources.js';
export { checkReadiness, type Readiness } from './readiness.js';
export { metaView, raftView, MAX_RAFT_PAGE, type MetaView, type RaftView, type RaftGroupView } from './views.js';
export { startNodeAdmin, handOffNode, drainNode, metricSources, adminSources, type NodeParts } from './attach.js';

import type { MetaView, RaftGroupView, RaftView } from '../views.js';
import { getJson } from './http.js';

/** Pages of /v1/raft read per node, at MAX page size each: bounds a status run on huge nodes. */
const MAX_RAFT_PAGES = 20;
const PAGE = 1000;

export interface AdminEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface NodeAdminView {
  readonly endpoint: AdminEndpoint;
  readonly meta: MetaView;
  readonly groups: readonly RaftGroupView[];
}

/** Reads /v1/meta and every page of /v1/raft from one admin endpoint. */
export async function readAdmin(endpoint: AdminEndpoint, timeoutMs: number): Promise<NodeAdminView> {
  const meta = (await getJson(endpoint.host, endpoint.port, '/v1/meta', timeoutMs)) as MetaView;
  const groups: RaftGroupView[] = [];
  let offset: number | null = 0;
  for (let page = 0; page < MAX_RAFT_PAGES && offset !== null; page++) {
    const view = (await getJson(endpoint.host, endpoint.port, `/v1/raft?offset=${offset}&limit=${PAGE}`, timeoutMs)) as RaftView;
    groups.push(...view.groups);
    offset = view.next;
  }
  return { endpoint, meta, groups };
}

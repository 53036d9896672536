import { ApiKey } from '../../protocol/generated/index.js';
import type { ApiHandler } from '../../server/index.js';
import type { BrokerContext } from '../context.js';

/** JoinGroup, SyncGroup, Heartbeat and LeaveGroup: wire structs ⇄ the coordinator's version-free calls. */

export function joinGroupHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.JoinGroup> {
  return {
    apiKey: ApiKey.JoinGroup,
    minVersion: 0,
    maxVersion: 9,
    handle: async (request, ctx) => {
      const result = await broker.groups.joinGroup({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        sessionTimeoutMs: request.sessionTimeoutMs,
        // v0 has no rebalance timeout: Kafka uses the session timeout.
        rebalanceTimeoutMs: ctx.apiVersion === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
        clientId: ctx.clientId ?? '',
        clientHost: `/${ctx.clientAddress.replace(/:\d+$/, '')}`,
        requireKnownMemberId: ctx.apiVersion >= 4,
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolType: result.protocolType,
        protocolName: result.protocolName ?? (ctx.apiVersion >= 7 ? null : ''),
        leader: result.leaderId,
        skipAssignment: false,
        memberId: result.memberId,
        members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: Buffer.from(m.metadata) })),
      };
    },
  };
}

export function syncGroupHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.SyncGroup> {
  return {
    apiKey: ApiKey.SyncGroup,
    minVersion: 0,
    maxVersion: 5,
    handle: async (request) => {
      const result = await broker.groups.syncGroup({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        protocolType: request.protocolType,
        protocolName: request.protocolName,
        assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        protocolType: result.protocolType,
        protocolName: result.protocolName,
        assignment: Buffer.from(result.assignment),
      };
    },
  };
}

export function heartbeatHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.Heartbeat> {
  return {
    apiKey: ApiKey.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    handle: async (request) => ({ throttleTimeMs: 0, ...(await broker.groups.heartbeat(request)) }),
  };
}

export function leaveGroupHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.LeaveGroup> {
  return {
    apiKey: ApiKey.LeaveGroup,
    minVersion: 0,
    maxVersion: 5,
    handle: async (request, ctx) => {
      const members = ctx.apiVersion >= 3 ? request.members : [{ memberId: request.memberId, groupInstanceId: null }];
      const result = await broker.groups.leaveGroup({
        groupId: request.groupId,
        members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })),
      });
      return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members.map((m) => ({ ...m })) };
    },
  };
}

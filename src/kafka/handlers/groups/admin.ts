import { ApiKey } from '../../protocol/generated/index.js';
import type { ApiHandler } from '../../server/index.js';
import type { BrokerContext } from '../context.js';

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** DescribeGroups, ListGroups and DeleteGroups, answered by this node's coordinator. */

export function describeGroupsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.DescribeGroups> {
  return {
    apiKey: ApiKey.DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    handle: async (request) => ({
      throttleTimeMs: 0,
      groups: (await broker.groups.describeGroups(request.groups)).map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        groupState: g.state,
        protocolType: g.protocolType,
        protocolData: g.protocolName,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: Buffer.from(m.metadata),
          memberAssignment: Buffer.from(m.assignment),
        })),
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      })),
    }),
  };
}

export function listGroupsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.ListGroups> {
  return {
    apiKey: ApiKey.ListGroups,
    minVersion: 0,
    maxVersion: 4,
    handle: async (request) => {
      const result = await broker.groups.listGroups(request.statesFilter);
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        groups: result.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: 'classic' })),
      };
    },
  };
}

export function deleteGroupsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.DeleteGroups> {
  return {
    apiKey: ApiKey.DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    handle: async (request) => ({ throttleTimeMs: 0, results: (await broker.groups.deleteGroups(request.groupsNames)).map((r) => ({ ...r })) }),
  };
}

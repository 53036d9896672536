import type { HandlerRegistry } from '../server/index.js';
import type { BrokerContext } from './context.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { createPartitionsHandler } from './create-partitions.js';
import { describeClusterHandler } from './describe-cluster.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { findCoordinatorHandler } from './groups/find-coordinator.js';
import { heartbeatHandler, joinGroupHandler, leaveGroupHandler, syncGroupHandler } from './groups/membership.js';
import { offsetCommitHandler, offsetDeleteHandler, offsetFetchHandler } from './groups/offsets.js';
import { deleteGroupsHandler, describeGroupsHandler, listGroupsHandler } from './groups/admin.js';
import { alterConfigsHandler, describeConfigsHandler, incrementalAlterConfigsHandler } from './configs/index.js';
import { deleteRecordsHandler } from '../../node/retention/delete-records.js';

/** Registers every broker API this node serves; ApiVersions advertises exactly these. */
export function registerBrokerApis(registry: HandlerRegistry, broker: BrokerContext): void {
  registry.register(metadataHandler(broker));
  registry.register(produceHandler(broker));
  registry.register(fetchHandler(broker));
  registry.register(listOffsetsHandler(broker));
  registry.register(createTopicsHandler(broker));
  registry.register(deleteTopicsHandler(broker));
  registry.register(createPartitionsHandler(broker));
  registry.register(describeClusterHandler(broker));
  registry.register(offsetForLeaderEpochHandler(broker));
  registry.register(initProducerIdHandler(broker));
  registry.register(findCoordinatorHandler(broker));
  registry.register(joinGroupHandler(broker));
  registry.register(syncGroupHandler(broker));
  registry.register(heartbeatHandler(broker));
  registry.register(leaveGroupHandler(broker));
  registry.register(offsetCommitHandler(broker));
  registry.register(offsetFetchHandler(broker));
  registry.register(offsetDeleteHandler(broker));
  registry.register(describeGroupsHandler(broker));
  registry.register(listGroupsHandler(broker));
  registry.register(deleteGroupsHandler(broker));
  for (const h of [describeConfigsHandler(broker), alterConfigsHandler(broker), incrementalAlterConfigsHandler(broker)]) registry.register(h);
  registry.register(deleteRecordsHandler(broker));
}

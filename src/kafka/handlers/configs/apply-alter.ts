import type { ConfigChange, MetaCommand } from '../../../state/index.js';
import type { BrokerContext } from '../context.js';
import { brokerTarget, errorOf, NO_ERROR, ResourceType, unsupportedResource, type ResourceError } from './resource.js';

/** Bounds each resource's metadata command; AlterConfigs has no timeout field of its own. */
const ALTER_TIMEOUT_MS = 10_000;

export interface AlterResource {
  readonly resourceType: number;
  readonly resourceName: string;
}

export interface AlterResult extends ResourceError {
  readonly resourceType: number;
  readonly resourceName: string;
}

/**
 * How one resource's alteration becomes a `__meta` command: `topic` builds the AlterTopicConfigs
 * change; `broker` the AlterBrokerConfigs ops, given the dynamic configs currently set.
 */
export interface AlterPlan<R extends AlterResource> {
  topic(resource: R): Extract<MetaCommand, { type: 'AlterTopicConfigs' }>['change'];
  broker(resource: R, current: Readonly<Record<string, string>>): readonly ConfigChange[];
}

/**
 * Runs each resource's change as its own metadata command (Kafka answers per resource, and one
 * bad resource must not fail the others), each decided on the `__meta` leader and applied here
 * before the answer, so a describe on this broker right after sees it.
 */
export async function alterResources<R extends AlterResource>(broker: BrokerContext, resources: readonly R[], validateOnly: boolean, plan: AlterPlan<R>): Promise<AlterResult[]> {
  const timeoutMs = Math.min(ALTER_TIMEOUT_MS, broker.config.requestTimeoutMaxMs);
  const results: AlterResult[] = [];
  for (const resource of resources) {
    const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
    try {
      await broker.executeMeta(commandFor(broker, resource, validateOnly, plan), timeoutMs);
      results.push({ ...base, ...NO_ERROR });
    } catch (err) {
      results.push({ ...base, ...errorOf(err) });
    }
  }
  return results;
}

function commandFor<R extends AlterResource>(broker: BrokerContext, resource: R, validateOnly: boolean, plan: AlterPlan<R>): MetaCommand {
  switch (resource.resourceType) {
    case ResourceType.TOPIC:
      return { type: 'AlterTopicConfigs', topicName: resource.resourceName, validateOnly, change: plan.topic(resource) };
    case ResourceType.BROKER: {
      const target = brokerTarget(resource.resourceName, broker.nodeId);
      const image = broker.image();
      const brokerId = target.kind === 'cluster' ? null : target.brokerId;
      const current = brokerId === null ? image.clusterConfig : (image.brokerConfigs.get(brokerId) ?? {});
      return { type: 'AlterBrokerConfigs', brokerId, validateOnly, ops: plan.broker(resource, current) };
    }
    default:
      throw unsupportedResource(resource.resourceType);
  }
}

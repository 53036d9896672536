import type { ConfigChange } from '../../../state/index.js';
import { ApiKey, type AlterConfigsRequestAlterConfigsResource as Resource } from '../../protocol/generated/index.js';
import type { ApiHandler } from '../../server/index.js';
import type { BrokerContext } from '../context.js';
import { alterResources, type AlterPlan } from './apply-alter.js';

/**
 * AlterConfigs (the legacy API): the listed configs replace the resource's whole dynamic config,
 * so every config not listed goes back to its default, as in Kafka.
 */
export function alterConfigsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.AlterConfigs> {
  return {
    apiKey: ApiKey.AlterConfigs,
    minVersion: 0,
    maxVersion: 2,
    handle: async (request) => ({
      throttleTimeMs: 0,
      responses: await alterResources(broker, request.resources, request.validateOnly, replacePlan),
    }),
  };
}

const replacePlan: AlterPlan<Resource> = {
  topic: (r) => ({ mode: 'replace', configs: Object.fromEntries(r.configs.map((c) => [c.name, c.value])) }),
  broker: (r, current) => {
    const listed = new Set(r.configs.map((c) => c.name));
    const sets: ConfigChange[] = r.configs.map((c) => ({ name: c.name, op: c.value === null ? 'delete' : 'set', value: c.value }));
    const resets: ConfigChange[] = Object.keys(current).filter((k) => !listed.has(k)).map((name) => ({ name, op: 'delete', value: null }));
    return [...sets, ...resets];
  },
};

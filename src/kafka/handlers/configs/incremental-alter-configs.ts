import type { ConfigChange, ConfigOp } from '../../../state/index.js';
import { ErrorCode, KafkaError } from '../../../util/errors.js';
import { ApiKey, type IncrementalAlterConfigsRequestAlterConfigsResource as Resource } from '../../protocol/generated/index.js';
import type { ApiHandler } from '../../server/index.js';
import type { BrokerContext } from '../context.js';
import { alterResources, type AlterPlan } from './apply-alter.js';

/** Kafka's AlterConfigOp.OpType codes, in order: SET 0, DELETE 1, APPEND 2, SUBTRACT 3. */
const OPS: readonly ConfigOp[] = ['set', 'delete', 'append', 'subtract'];

/** IncrementalAlterConfigs: set, delete, append to or subtract from single configs; the rest stay. */
export function incrementalAlterConfigsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.IncrementalAlterConfigs> {
  return {
    apiKey: ApiKey.IncrementalAlterConfigs,
    minVersion: 0,
    maxVersion: 1,
    handle: async (request) => ({
      throttleTimeMs: 0,
      responses: await alterResources(broker, request.resources, request.validateOnly, incrementalPlan),
    }),
  };
}

function changesOf(r: Resource): ConfigChange[] {
  return r.configs.map((c) => {
    const op = OPS[c.configOperation];
    if (op === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown config operation ${c.configOperation} for "${c.name}"`);
    return { name: c.name, op, value: c.value };
  });
}

const incrementalPlan: AlterPlan<Resource> = {
  topic: (r) => ({ mode: 'incremental', ops: changesOf(r) }),
  broker: (r) => changesOf(r),
};

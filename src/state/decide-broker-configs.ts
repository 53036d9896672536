import { ErrorCode, type KafkaError } from '../util/errors.js';
import { brokerConfigChecks, brokerConfigProblem } from './broker-configs.js';
import type { AlterBrokerConfigs } from './commands.js';
import { kafkaError, withoutNoOps } from './decide-common.js';
import type { BrokerConfigChanged } from './events.js';
import type { MetadataImage } from './image.js';

export function decideAlterBrokerConfigs(cmd: AlterBrokerConfigs, image: MetadataImage): BrokerConfigChanged[] | KafkaError {
  if (cmd.brokerId !== null && !image.brokers.has(cmd.brokerId)) {
    return kafkaError(ErrorCode.INVALID_REQUEST, `broker ${cmd.brokerId} is not registered`);
  }
  if (new Set(cmd.ops.map((o) => o.name)).size !== cmd.ops.length) {
    return kafkaError(ErrorCode.INVALID_REQUEST, 'a config name appears more than once in the request');
  }
  const set: [string, string][] = [];
  const deleted: string[] = [];
  for (const op of cmd.ops) {
    if (op.op === 'append' || op.op === 'subtract') return kafkaError(ErrorCode.INVALID_CONFIG, `${op.op} is not allowed for "${op.name}"`);
    if (!brokerConfigChecks.has(op.name)) return kafkaError(ErrorCode.INVALID_CONFIG, `unknown or non-dynamic broker config "${op.name}"`);
    if (op.op === 'delete') {
      deleted.push(op.name);
      continue;
    }
    const problem = brokerConfigProblem(op.name, op.value);
    if (problem !== undefined || op.value === null) return kafkaError(ErrorCode.INVALID_CONFIG, problem ?? `"${op.name}" needs a value`);
    set.push([op.name, op.value]);
  }
  const current = cmd.brokerId === null ? image.clusterConfig : (image.brokerConfigs.get(cmd.brokerId) ?? {});
  const patch = withoutNoOps(current, { set: Object.fromEntries(set), deleted });
  if (cmd.validateOnly || (Object.keys(patch.set).length === 0 && patch.deleted.length === 0)) return [];
  return [{ type: 'BrokerConfigChanged', v: 1, brokerId: cmd.brokerId, set: patch.set, deleted: patch.deleted }];
}

import { ErrorCode, type KafkaError } from '../util/errors.js';
import type { AlterTopicConfigs, ConfigChange } from './commands.js';
import { checkConfigs, kafkaError, withoutNoOps, type ConfigPatch } from './decide-common.js';
import type { ConfigMap, TopicConfigChanged } from './events.js';
import { topicByName, type MetadataImage, type TopicImage } from './image.js';
import { topicConfigDefaults, topicConfigProblem, topicConfigValue } from './topic-configs.js';

export function decideAlterTopicConfigs(cmd: AlterTopicConfigs, image: MetadataImage): TopicConfigChanged[] | KafkaError {
  const topic = topicByName(image, cmd.topicName);
  if (topic === undefined) return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${cmd.topicName}"`);
  const patch =
    cmd.change.mode === 'replace'
      ? replacePatch(topic, cmd.change.configs)
      : incrementalPatch(topic, cmd.change.ops, image.clusterConfig);
  if (patch instanceof Error) return patch;
  if (cmd.validateOnly || (Object.keys(patch.set).length === 0 && patch.deleted.length === 0)) return [];
  return [{ type: 'TopicConfigChanged', v: 1, topicId: topic.topicId, set: patch.set, deleted: patch.deleted }];
}

function replacePatch(topic: TopicImage, configs: Readonly<Record<string, string | null>>): ConfigPatch | KafkaError {
  const bad = checkConfigs(configs);
  if (bad !== undefined) return bad;
  const set = Object.fromEntries(Object.entries(configs).filter((e): e is [string, string] => e[1] !== null));
  const deleted = Object.keys(topic.configs).filter((k) => !Object.prototype.hasOwnProperty.call(set, k));
  return withoutNoOps(topic.configs, { set, deleted });
}


function incrementalPatch(topic: TopicImage, ops: readonly ConfigChange[], clusterConfig: ConfigMap): ConfigPatch | KafkaError {
  if (new Set(ops.map((o) => o.name)).size !== ops.length) {
    return kafkaError(ErrorCode.INVALID_REQUEST, 'a config name appears more than once in the request');
  }
  const set: Record<string, string> = {};
  const deleted: string[] = [];
  for (const op of ops) {
    const result = applyOp(topic.configs, op, clusterConfig);
    if (result instanceof Error) return result;
    if (result === null) deleted.push(op.name);
    else set[op.name] = result;
  }
  return withoutNoOps(topic.configs, { set: Object.fromEntries(Object.entries(set)), deleted });
}

/** The new value of one config (null: delete it). */
function applyOp(configs: ConfigMap, op: ConfigChange, clusterConfig: ConfigMap): string | null | KafkaError {
  const known = Object.prototype.hasOwnProperty.call(topicConfigDefaults, op.name);
  if (!known) return kafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config "${op.name}"`);
  if (op.op === 'delete') return null;
  if (op.value === null) return kafkaError(ErrorCode.INVALID_CONFIG, `config "${op.name}" needs a value for ${op.op}`);
  const value = op.op === 'set' ? op.value : listOp(configs, clusterConfig, op.name, op.op, op.value);
  if (value instanceof Error) return value;
  const problem = topicConfigProblem(op.name, value);
  return problem === undefined ? value : kafkaError(ErrorCode.INVALID_CONFIG, problem);
}

/** Appends to or subtracts from the effective list (explicit, else cluster-wide, else default). */
function listOp(configs: ConfigMap, clusterConfig: ConfigMap, name: string, op: 'append' | 'subtract', value: string): string | KafkaError {
  if (topicConfigDefaults[name]?.type !== 'list') {
    return kafkaError(ErrorCode.INVALID_CONFIG, `${op} is only allowed for list configs, not "${name}"`);
  }
  const current = (topicConfigValue(configs, name, clusterConfig) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const next = op === 'append' ? [...current, ...items.filter((i) => !current.includes(i))] : current.filter((c) => !items.includes(c));
  if (next.length === 0) return kafkaError(ErrorCode.INVALID_CONFIG, `"${name}" cannot become empty`);
  return next.join(',');
}

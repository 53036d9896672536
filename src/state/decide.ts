import { unreachable } from '../util/assert.js';
import { KafkaError } from '../util/errors.js';
import type { DecideContext, Decision, MetaCommand, TopicResult } from './commands.js';
import {
  decideAllocateProducerIds,
  decideInitializeCluster,
  decideRegisterBroker,
  decideUnregisterBroker,
} from './decide-brokers.js';
import { decideAlterBrokerConfigs } from './decide-broker-configs.js';
import { decideAlterTopicConfigs } from './decide-configs.js';
import { decideCreateTopics } from './decide-create-topics.js';
import { decideCreatePartitions, decideDeleteTopics } from './decide-topic-changes.js';
import type { MetaEvent } from './events.js';
import type { MetadataImage } from './image.js';

/**
 * decide(command, image, ctx) → events | KafkaError. Pure: it reads the leader's current image and
 * returns the events to propose; it changes nothing. A KafkaError is a failure of the whole
 * command; batch commands (CreateTopics, DeleteTopics, CreatePartitions) report per-topic errors
 * in `results` instead, because Kafka answers those per topic. Callers that need the richer
 * per-command results can call the specific `decide*` functions directly.
 */
export function decide(command: MetaCommand, image: MetadataImage, ctx: DecideContext): Decision<TopicResult> | KafkaError {
  switch (command.type) {
    case 'InitializeCluster':
      return single(decideInitializeCluster(command, image));
    case 'RegisterBroker':
      return single(decideRegisterBroker(command, image));
    case 'UnregisterBroker':
      return single(decideUnregisterBroker(command, image));
    case 'CreateTopics':
      return decideCreateTopics(command, image, ctx);
    case 'DeleteTopics':
      return decideDeleteTopics(command, image);
    case 'CreatePartitions':
      return decideCreatePartitions(command, image, ctx);
    case 'AlterTopicConfigs':
      return single(decideAlterTopicConfigs(command, image));
    case 'AlterBrokerConfigs':
      return single(decideAlterBrokerConfigs(command, image));
    case 'AllocateProducerIds':
      return single(decideAllocateProducerIds(command, image));
    default:
      return unreachable(command, 'unknown meta command');
  }
}

function single(outcome: readonly MetaEvent[] | KafkaError): Decision | KafkaError {
  return outcome instanceof KafkaError ? outcome : { events: outcome, results: [] };
}

import { ErrorCode, type KafkaError } from '../util/errors.js';
import type { AllocateProducerIds, InitializeCluster, RegisterBroker, UnregisterBroker } from './commands.js';
import { kafkaError } from './decide-common.js';
import type { BrokerRegistered, BrokerUnregistered, ClusterInitialized, ProducerIdBlockAllocated } from './events.js';
import type { MetadataImage } from './image.js';

export const DEFAULT_PRODUCER_ID_BLOCK_SIZE = 1000;
export const MAX_PRODUCER_ID_BLOCK_SIZE = 1_000_000;

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export function decideRegisterBroker(cmd: RegisterBroker, image: MetadataImage): BrokerRegistered[] | KafkaError {
  if (!Number.isSafeInteger(cmd.brokerId) || cmd.brokerId < 0) return kafkaError(ErrorCode.INVALID_REQUEST, `invalid broker id ${cmd.brokerId}`);
  if (!validPort(cmd.kafkaPort) || !validPort(cmd.raftPort)) return kafkaError(ErrorCode.INVALID_REQUEST, 'ports must be in [1, 65535]');
  if (cmd.kafkaHost === '' || cmd.raftHost === '') return kafkaError(ErrorCode.INVALID_REQUEST, 'hosts must not be empty');
  if (cmd.incarnation === '') return kafkaError(ErrorCode.INVALID_REQUEST, 'incarnation must not be empty');
  const event: BrokerRegistered = {
    type: 'BrokerRegistered',
    v: 1,
    brokerId: cmd.brokerId,
    kafkaHost: cmd.kafkaHost,
    kafkaPort: cmd.kafkaPort,
    raftHost: cmd.raftHost,
    raftPort: cmd.raftPort,
    rack: cmd.rack,
    incarnation: cmd.incarnation,
  };
  const old = image.brokers.get(cmd.brokerId);
  // Re-registering with identical details (a retried request) changes nothing: no event.
  const same = old !== undefined && (Object.keys(old) as (keyof typeof old)[]).every((k) => old[k] === event[k]);
  return same ? [] : [event];
}

export function decideAllocateProducerIds(cmd: AllocateProducerIds, image: MetadataImage): ProducerIdBlockAllocated[] | KafkaError {
  if (!image.brokers.has(cmd.brokerId)) return kafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${cmd.brokerId} is not registered`);
  const size = cmd.blockSize ?? DEFAULT_PRODUCER_ID_BLOCK_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PRODUCER_ID_BLOCK_SIZE) {
    return kafkaError(ErrorCode.INVALID_REQUEST, `producer id block size must be in [1, ${MAX_PRODUCER_ID_BLOCK_SIZE}]`);
  }
  if (image.nextProducerId + size > Number.MAX_SAFE_INTEGER) return kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'producer ids exhausted');
  return [{ type: 'ProducerIdBlockAllocated', v: 1, brokerId: cmd.brokerId, firstProducerId: image.nextProducerId, size }];
}

/** Kafka cluster ids are 22-character base64url strings (a UUID); anything printable is tolerated. */
const CLUSTER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function decideInitializeCluster(cmd: InitializeCluster, image: MetadataImage): ClusterInitialized[] | KafkaError {
  if (!CLUSTER_ID.test(cmd.clusterId)) return kafkaError(ErrorCode.INVALID_REQUEST, `invalid cluster id "${cmd.clusterId}"`);
  if (image.clusterId === null) return [{ type: 'ClusterInitialized', v: 1, clusterId: cmd.clusterId }];
  // Re-proposing the same id (a new leader repeating bootstrap) is fine; a different one is not.
  if (image.clusterId === cmd.clusterId) return [];
  return kafkaError(ErrorCode.INVALID_REQUEST, `cluster is already initialized with id ${image.clusterId}`);
}

export function decideUnregisterBroker(cmd: UnregisterBroker, image: MetadataImage): BrokerUnregistered[] | KafkaError {
  if (!image.brokers.has(cmd.brokerId)) return kafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${cmd.brokerId} is not registered`);
  return [{ type: 'BrokerUnregistered', v: 1, brokerId: cmd.brokerId }];
}

import { ErrorCode, KafkaError } from '../../../util/errors.js';

/** Kafka's ConfigResource.Type values. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
} as const;

/** Kafka's DescribeConfigs ConfigType values (v3+). */
export const KafkaConfigType = { STRING: 2, INT: 3, LONG: 5, LIST: 7, BOOLEAN: 1 } as const;

/** A broker resource names this node (its id) or the cluster-wide default (the empty name). */
export type BrokerTarget = { readonly kind: 'cluster' } | { readonly kind: 'broker'; readonly brokerId: number };

/**
 * Parses a BROKER resource name. Clients send broker resources to that broker (kafkajs, the Java
 * admin client and kafka-python all do), so any other id is a routing mistake, refused as Kafka does.
 */
export function brokerTarget(resourceName: string, localId: number): BrokerTarget {
  if (resourceName === '') return { kind: 'cluster' };
  if (!/^\d{1,9}$/.test(resourceName)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `broker resource name "${resourceName}" is not a broker id`);
  const brokerId = Number(resourceName);
  if (brokerId !== localId) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unexpected broker id ${brokerId}: this is broker ${localId}; send broker ${brokerId}'s configs request to it`);
  return { kind: 'broker', brokerId };
}

/** The error for a resource type this broker has no configs for (groups, loggers, client metrics). */
export function unsupportedResource(resourceType: number): KafkaError {
  return new KafkaError(ErrorCode.INVALID_REQUEST, `config resource type ${resourceType} is not supported (only TOPIC=2 and BROKER=4)`);
}

export interface ResourceError {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export function errorOf(err: unknown): ResourceError {
  if (err instanceof KafkaError) return { errorCode: err.code, errorMessage: err.message };
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: err instanceof Error ? err.message : String(err) };
}

export const NO_ERROR: ResourceError = { errorCode: ErrorCode.NONE, errorMessage: null };

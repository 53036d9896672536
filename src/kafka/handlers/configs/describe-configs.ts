import { topicByName, type ConfigEntry, type ConfigType } from '../../../state/index.js';
import { ErrorCode, KafkaError } from '../../../util/errors.js';
import {
  ApiKey,
  type DescribeConfigsRequest,
  type DescribeConfigsRequestDescribeConfigsResource as Resource,
  type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResourceResult as ConfigResult,
  type DescribeConfigsResponseDescribeConfigsResult as ResourceResult,
} from '../../protocol/generated/index.js';
import type { ApiHandler } from '../../server/index.js';
import type { BrokerContext } from '../context.js';
import { describeBroker } from './broker-view.js';
import { brokerTarget, errorOf, KafkaConfigType, NO_ERROR, ResourceType, unsupportedResource } from './resource.js';
import { topicConfigView } from './topic-view.js';

/** Bounds the read barrier that lets a describe on any broker see an alter committed elsewhere. */
const BARRIER_TIMEOUT_MS = 5_000;

/** DescribeConfigs: topic configs from the image, broker configs from this node's settings and the image. */
export function describeConfigsHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.DescribeConfigs> {
  return {
    apiKey: ApiKey.DescribeConfigs,
    minVersion: 0,
    maxVersion: 4,
    handle: (request) => handleDescribe(broker, request),
  };
}

async function handleDescribe(broker: BrokerContext, request: DescribeConfigsRequest): Promise<DescribeConfigsResponse> {
  // Serving from a slightly stale image beats failing the describe when `__meta` is electing.
  await broker.metaBarrier(Math.min(BARRIER_TIMEOUT_MS, broker.config.requestTimeoutMaxMs)).catch(() => undefined);
  return { throttleTimeMs: 0, results: request.resources.map((r) => describeOne(broker, request, r)) };
}

function describeOne(broker: BrokerContext, request: DescribeConfigsRequest, resource: Resource): ResourceResult {
  const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
  try {
    const all = configsOf(broker, request, resource);
    const keys = resource.configurationKeys;
    // null (and, leniently, an empty list) asks for every config.
    const configs = keys === null || keys.length === 0 ? all : all.filter((c) => keys.includes(c.name));
    return { ...base, ...NO_ERROR, configs };
  } catch (err) {
    return { ...base, ...errorOf(err), configs: [] };
  }
}

function configsOf(broker: BrokerContext, request: DescribeConfigsRequest, resource: Resource): ConfigResult[] {
  const image = broker.image();
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      const topic = topicByName(image, resource.resourceName);
      if (topic === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${resource.resourceName}"`);
      return topicConfigView(image, topic, broker.config).map((e) => toResult(e, request));
    }
    case ResourceType.BROKER:
      return describeBroker(brokerTarget(resource.resourceName, broker.nodeId), image, broker.config, request.includeSynonyms).map((c) =>
        request.includeDocumentation ? c : { ...c, documentation: null },
      );
    default:
      throw unsupportedResource(resource.resourceType);
  }
}

const CONFIG_TYPES: Readonly<Record<ConfigType, number>> = {
  long: KafkaConfigType.LONG,
  int: KafkaConfigType.INT,
  list: KafkaConfigType.LIST,
  string: KafkaConfigType.STRING,
};

function toResult(e: ConfigEntry, request: DescribeConfigsRequest): ConfigResult {
  return {
    name: e.name,
    value: e.value,
    readOnly: e.readOnly,
    isDefault: e.isDefault,
    configSource: e.source,
    isSensitive: e.isSensitive,
    synonyms: request.includeSynonyms ? e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
    configType: CONFIG_TYPES[e.type],
    documentation: request.includeDocumentation ? e.documentation : null,
  };
}

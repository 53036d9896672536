import type { HandlerRegistry } from '../server/index.js';
import type { BrokerContext } from './context.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';

/** Registers every broker API this node serves; ApiVersions advertises exactly these. */
export function registerBrokerApis(registry: HandlerRegistry, broker: BrokerContext): void {
  registry.register(metadataHandler(broker));
  registry.register(produceHandler(broker));
  registry.register(fetchHandler(broker));
  registry.register(listOffsetsHandler(broker));
  registry.register(createTopicsHandler(broker));
  registry.register(deleteTopicsHandler(broker));
}

/** The config APIs: DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and brokers. */
export { describeConfigsHandler } from './describe-configs.js';
export { alterConfigsHandler } from './alter-configs.js';
export { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
export { topicConfigView, effectiveTopicConfig } from './topic-view.js';
export { staticBrokerConfigs, staticBrokerValue, type StaticBrokerConfig } from './static-broker.js';
export { ResourceType } from './resource.js';

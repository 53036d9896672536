import { ApiKey, type OffsetFetchResponseOffsetFetchResponseTopic as FetchTopic } from '../../protocol/generated/index.js';
import type { FetchedTopic } from '../../groups/index.js';
import type { ApiHandler } from '../../server/index.js';
import type { BrokerContext } from '../context.js';

/** OffsetCommit answers only once the commit is durable in `__consumer_offsets` (Raft-committed). */
export function offsetCommitHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.OffsetCommit> {
  return {
    apiKey: ApiKey.OffsetCommit,
    minVersion: 0,
    maxVersion: 8,
    handle: async (request) => {
      const result = await broker.groups.commitOffsets({
        groupId: request.groupId,
        generationId: request.generationIdOrMemberEpoch,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        topics: request.topics.map((t) => ({
          topic: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata,
          })),
        })),
      });
      return {
        throttleTimeMs: 0,
        topics: result.topics.map((t) => ({ name: t.topic, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
      };
    },
  };
}

/** OffsetFetch, with v8+'s batch of groups and null topics meaning "all committed partitions". */
export function offsetFetchHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.OffsetFetch> {
  return {
    apiKey: ApiKey.OffsetFetch,
    minVersion: 0,
    maxVersion: 8,
    handle: async (request, ctx) => {
      if (ctx.apiVersion >= 8) {
        const groups = await Promise.all(
          request.groups.map(async (g) => {
            const result = await broker.groups.fetchOffsets({
              groupId: g.groupId,
              topics: g.topics === null ? null : g.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })),
            });
            return { groupId: g.groupId, errorCode: result.errorCode, topics: toWire(result.topics) };
          }),
        );
        return { throttleTimeMs: 0, topics: [], errorCode: 0, groups };
      }
      const result = await broker.groups.fetchOffsets({
        groupId: request.groupId,
        topics: request.topics === null ? null : request.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })),
      });
      return { throttleTimeMs: 0, topics: toWire(result.topics), errorCode: result.errorCode, groups: [] };
    },
  };
}

function toWire(topics: readonly FetchedTopic[]): FetchTopic[] {
  return topics.map((t) => ({
    name: t.topic,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partition,
      committedOffset: p.offset,
      committedLeaderEpoch: p.leaderEpoch,
      metadata: p.metadata,
      errorCode: p.errorCode,
    })),
  }));
}

export function offsetDeleteHandler(broker: BrokerContext): ApiHandler<typeof ApiKey.OffsetDelete> {
  return {
    apiKey: ApiKey.OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    handle: async (request) => {
      const result = await broker.groups.deleteOffsets({
        groupId: request.groupId,
        topics: request.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
      });
      return {
        errorCode: result.errorCode,
        throttleTimeMs: 0,
        topics: result.topics.map((t) => ({ name: t.topic, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
      };
    },
  };
}

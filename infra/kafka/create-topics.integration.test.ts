import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createKafka } from './client';
import { createTopicsWithLeaders } from './create-topics';

describe('createTopicsWithLeaders (real broker)', () => {
  const kafka = createKafka(loadConfig().kafka, createLogger({ name: 'create-topics-test', level: 'silent' }));

  it('creates only the missing topics and returns when every partition has a leader, many times in a row', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const made: string[] = [];
    try {
      // Back-to-back creates are what made kafkajs's waitForLeaders fail with UNKNOWN_TOPIC_OR_PARTITION on a busy broker.
      for (let round = 0; round < 5; round += 1) {
        const topics = [`create-topics-test-${randomUUID()}`, `create-topics-test-${randomUUID()}`];
        made.push(...topics);
        expect(await createTopicsWithLeaders(admin, topics, { partitions: 3 })).toEqual(topics);
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
        expect(metadata.map((t) => t.partitions.filter((p) => p.leader >= 0).length)).toEqual([3, 3]);
        // Already there: nothing to create, still answers once the leaders are known.
        expect(await createTopicsWithLeaders(admin, [topics[0]!, 'orders'], { partitions: 3 })).toEqual([]);
      }
    } finally {
      await admin.deleteTopics({ topics: made }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);
});

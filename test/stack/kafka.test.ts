import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { allTopics, kafkaTopics } from '../../infra/kafka/topics';

describe('Kafka (stack)', () => {
  const config = loadConfig();
  const kafka = new Kafka({ clientId: 'stack-test', brokers: [...config.kafka.brokers], logLevel: logLevel.WARN });

  // The stack's own topics (npm start's), and this test run's under its prefix (test/global-setup.ts).
  it.each([
    ['the stack', kafkaTopics('')],
    ['this test run', config.kafka.topics],
  ])('has every topic of the system and its dead-letter twin for %s, three partitions each', async (_owner, topics) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: allTopics(topics) });
      expect(metadata.topics.map((t) => t.name).sort()).toEqual([...allTopics(topics)].sort());
      for (const topic of metadata.topics) expect(topic.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });


  it('moves messages through a topic from an idempotent producer to a consumer group, in order per key', async () => {
    const topic = `stack-test-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `stack-test-${randomUUID()}` });
    try {
      await producer.connect();
      const sent = Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 5}`, value: String(i) }));
      await producer.send({ topic, acks: -1, messages: sent });

      const received: Array<{ key: string; value: string }> = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const allReceived = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
            if (received.length === sent.length) resolve();
          },
        });
      });
      await allReceived;
      expect(received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
      for (let k = 0; k < 5; k += 1) {
        const perKey = received.filter((m) => m.key === `k${k}`).map((m) => Number(m.value));
        expect(perKey).toEqual([...perKey].sort((a, b) => a - b));
      }
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  }, 60_000);
});

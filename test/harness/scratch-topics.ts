import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { createTopicsWithLeaders } from '../../infra/kafka/create-topics';

/**
 * Throw-away topics for integration tests and benchmarks against the real broker, which does not
 * auto-create topics: created with their leaders elected, deleted by `remove()`.
 */
export async function createScratchTopics(
  kafka: Kafka,
  count: number,
  options: { partitions?: number; prefix?: string } = {},
): Promise<{ topics: string[]; remove: () => Promise<void> }> {
  const prefix = options.prefix ?? 'scratch';
  const topics = Array.from({ length: count }, () => `${prefix}-${randomUUID()}`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, topics, { partitions: options.partitions ?? 3 });
  } finally {
    await admin.disconnect();
  }
  const remove = async (): Promise<void> => {
    const cleanup = kafka.admin();
    await cleanup.connect();
    try {
      await cleanup.deleteTopics({ topics });
    } finally {
      await cleanup.disconnect();
    }
  };
  return { topics, remove };
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning with a fresh group until `count` messages arrived (or the timeout). */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 20_000): Promise<ReadMessage[]> {
  if (count === 0) return [];
  const consumer = kafka.consumer({ groupId: `scratch-reader-${randomUUID()}` });
  const received: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${received.length} of ${count} messages from ${topic}`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            received.push(toReadMessage(partition, message));
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

/** Messages in the topic (sum of high watermarks): exact, unlike reading until a count was seen. */
export async function countMessages(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

function toReadMessage(partition: number, message: KafkaMessage): ReadMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = value.toString();
  return {
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString(),
    value: message.value === null ? '' : message.value.toString(),
    headers,
  };
}

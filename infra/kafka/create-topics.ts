import type { Admin } from 'kafkajs';
import { abortableSleep } from '../abortable-sleep';

const RETRIABLE_METADATA_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Creates topics and returns once every partition of each has a leader. kafkajs's own `waitForLeaders` gives up
 * on the first UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for a moment after the create on a busy
 * machine; here that answer means "not yet", and only the deadline ends the wait. Topics that exist already count
 * as created. Returns the topics this call created.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: readonly string[],
  options: { partitions: number; replicationFactor?: number; timeoutMs?: number },
): Promise<string[]> {
  if (topics.length === 0) return [];
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: options.replicationFactor ?? 1 })),
    });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const pending = await topicsWithoutLeaders(admin, topics);
    if (pending.length === 0) return missing;
    if (Date.now() > deadline) throw new Error(`Kafka topics without partition leaders after the deadline: ${pending.join(', ')}`);
    await abortableSleep(100);
  }
}

async function topicsWithoutLeaders(admin: Admin, topics: readonly string[]): Promise<string[]> {
  try {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return metadata.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
  } catch (error) {
    if (RETRIABLE_METADATA_ERRORS.has((error as { type?: unknown }).type as string)) return [...topics];
    throw error;
  }
}

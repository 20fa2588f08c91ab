import type { Admin } from 'kafkajs';
import { createTopicsWithLeaders } from './create-topics';

/**
 * The Kafka topics of the system (DESIGN.md, Contracts). Every topic has a `<topic>.dlq` twin for poison messages.
 * The names carry the configured prefix (KAFKA_PREFIX, empty by default): each test run gets topics of its own,
 * so it never reads what `npm start` (or another run) publishes, nor the other way round.
 */
const TOPIC_BASE_NAMES = {
  orders: 'orders',
  executions: 'executions',
  venueReports: 'venue-reports',
  priceFeeds: 'price-feeds',
  prices: 'prices',
} as const;

/** The name of each topic, prefix included: what every producer and consumer uses. */
export type KafkaTopics = { readonly [K in keyof typeof TOPIC_BASE_NAMES]: string };

export const TOPIC_PARTITIONS = 3;

/** The topic names under a prefix (`kafkaTopics('')` are the stack's own). */
export function kafkaTopics(prefix: string): KafkaTopics {
  return Object.freeze(Object.fromEntries(Object.entries(TOPIC_BASE_NAMES).map(([key, name]) => [key, `${prefix}${name}`])) as unknown as KafkaTopics);
}

/** The topics by the names people use (`orders`, `venue-reports`, ...), each with its name under the prefix. */
export function topicsByBaseName(prefix: string): ReadonlyMap<string, string> {
  return new Map(Object.values(TOPIC_BASE_NAMES).map((name) => [name, `${prefix}${name}`]));
}

/**
 * The topics whose dead letters an admin may replay (POST /api/admin/dlq/:topic/replay), by base name. A replay writes
 * to the topic, so the order API's Kafka user holds WRITE on these (workers/kafka-access.ts). `price-feeds` and `prices`
 * are left out: they carry market prices, which move the risk engine's price band and protection price, so only the
 * venue and market data write them; and a replayed price is an old one, superseded by every later update.
 */
export const REPLAYABLE_TOPICS: ReadonlySet<string> = new Set([TOPIC_BASE_NAMES.orders, TOPIC_BASE_NAMES.executions, TOPIC_BASE_NAMES.venueReports]);

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Every topic under a prefix: the main topics and their dead-letter topics. */
export function allTopics(topics: KafkaTopics): string[] {
  return Object.values(topics).flatMap((topic) => [topic, dlqTopic(topic)]);
}

/**
 * Creates the topics under a prefix (and their `.dlq`) that the broker lacks, TOPIC_PARTITIONS each, since the
 * broker creates none by itself: the stack does it for its own, a test run for its prefix, a deployment with the
 * one-shot job workers/create-topics.ts (replication factor KAFKA_REPLICATION_FACTOR). Returns those it created.
 */
export async function ensureTopics(admin: Admin, topics: KafkaTopics, options: { replicationFactor?: number } = {}): Promise<string[]> {
  return createTopicsWithLeaders(admin, allTopics(topics), { partitions: TOPIC_PARTITIONS, ...options });
}

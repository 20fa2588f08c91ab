/** The Kafka topics of the system (DESIGN.md, Contracts). Every topic has a `<topic>.dlq` twin for poison messages. */
export const TOPICS = {
  orders: 'orders',
  executions: 'executions',
  venueReports: 'venue-reports',
  priceFeeds: 'price-feeds',
  prices: 'prices',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const TOPIC_PARTITIONS = 3;

export function dlqTopic(topic: Topic): string {
  return `${topic}.dlq`;
}

/** Every topic the stack creates: the main topics and their dead-letter topics. */
export function allTopics(): string[] {
  return Object.values(TOPICS).flatMap((topic) => [topic, dlqTopic(topic)]);
}

import { allTopics, dlqTopic, kafkaTopics } from './topics';

describe('kafkaTopics', () => {
  it('names the stack topics without a prefix, and every topic with its .dlq twin', () => {
    expect(allTopics(kafkaTopics(''))).toEqual([
      'orders',
      'orders.dlq',
      'executions',
      'executions.dlq',
      'venue-reports',
      'venue-reports.dlq',
      'price-feeds',
      'price-feeds.dlq',
      'prices',
      'prices.dlq',
    ]);
  });

  it('puts the prefix before every name, dead-letter topics included', () => {
    const topics = kafkaTopics('test-run1-');
    expect(topics.orders).toBe('test-run1-orders');
    expect(dlqTopic(topics.venueReports)).toBe('test-run1-venue-reports.dlq');
    expect(allTopics(topics).every((topic) => topic.startsWith('test-run1-'))).toBe(true);
  });
});

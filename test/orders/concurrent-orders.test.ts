import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { countMessages, readTopic } from '../harness/scratch-topics';
import { TestSystem } from '../harness/system';

/**
 * Concurrent orders share Kafka sends (infra/kafka/event-publisher.ts gathers the publishes that arrive while a send is
 * in flight into the next one), against the real API process and broker: each order still answers 202 only with its
 * own message acknowledged, and lands exactly once.
 */
describe('concurrent orders through the real API and Kafka', () => {
  let system: TestSystem;
  let kafka: Kafka;

  beforeAll(async () => {
    system = await TestSystem.create('concurrent-orders');
    kafka = new Kafka({ clientId: 'concurrent-orders-test', brokers: [...system.config.kafka.brokers], logLevel: logLevel.NOTHING });
    await system.startApi();
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('200 orders at once: each gets 202, each lands in the orders topic exactly once, in far fewer sends than orders', async () => {
    const topic = system.config.kafka.topics.orders;
    const before = await countMessages(kafka, topic);
    const sendsBefore = await publishSends(topic);
    const traders = await Promise.all(Array.from({ length: 4 }, () => system.createAccount({ USD: '1000000' })));
    const order = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '30000' };
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => system.placeOrder(traders[i % traders.length]!.apiKey, order, randomUUID())));
    expect(answers.map((r) => r.status)).toEqual(Array(200).fill(202));
    const orderIds = answers.map((r) => r.json.orderId as string);
    expect(new Set(orderIds).size).toBe(200);

    expect((await countMessages(kafka, topic)) - before).toBe(200);
    const messages = await readTopic(kafka, topic, before + 200);
    const created = messages.filter((m) => m.key !== null && orderIds.includes(m.key));
    expect(created).toHaveLength(200);
    expect(new Set(created.map((m) => m.key)).size).toBe(200);
    for (const m of created) expect(JSON.parse(m.value)).toMatchObject({ eventType: 'OrderCreated', orderId: m.key });

    const sends = (await publishSends(topic)) - sendsBefore;
    expect(sends).toBeGreaterThan(0);
    expect(sends).toBeLessThan(200);
  }, 120_000);

  /** Sends (sendBatch calls) the API made to the topic so far, from its /metrics (the batch size histogram's count). */
  async function publishSends(topic: string): Promise<number> {
    const metrics = (await system.request('GET', '/metrics')).text;
    const line = metrics.split('\n').find((l) => l.startsWith('oms_kafka_publish_batch_size_count{') && l.includes(`topic="${topic}"`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  }
});

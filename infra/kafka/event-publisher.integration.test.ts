import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createKafka } from './client';
import { KafkaEventPublisher, PublishFailedError, PublisherOverloadedError, PublisherStoppedError } from './event-publisher';
import { countMessages, createScratchTopics, readTopic } from '../../test/harness/scratch-topics';

describe('KafkaEventPublisher (real broker)', () => {
  const logger = createLogger({ name: 'event-publisher-test', level: 'silent' });
  const kafka = createKafka(loadConfig().kafka, logger);
  let topics: string[];
  let removeTopics: () => Promise<void>;
  let publisher: KafkaEventPublisher;

  beforeAll(async () => {
    ({ topics, remove: removeTopics } = await createScratchTopics(kafka, 7, { prefix: 'publisher-test' }));
  }, 30_000);
  afterAll(() => removeTopics());
  afterEach(() => publisher.stop());

  const topic = (i: number): string => topics[i]!;

  it('resolves once Kafka acknowledged, and a consumer reads every message with its key and headers', async () => {
    publisher = new KafkaEventPublisher(kafka, logger);
    await publisher.start();
    const calls = Array.from({ length: 10 }, (_, call) =>
      Array.from({ length: 5 }, (_, i) => ({ key: `order-${i}`, value: `${call}`, headers: { 'event-type': 'Test', call: String(call) } })),
    );
    for (const messages of calls) await publisher.publish(topic(0), messages);

    const read = await readTopic(kafka, topic(0), 50);
    expect(read).toHaveLength(50);
    for (let i = 0; i < 5; i += 1) {
      const perKey = read.filter((m) => m.key === `order-${i}`);
      // One key, one partition: in publish order.
      expect(perKey.map((m) => m.value)).toEqual(calls.map((_, call) => `${call}`));
      expect(perKey.every((m) => m.headers['event-type'] === 'Test' && m.headers.call === m.value)).toBe(true);
    }
    expect(publisher.stats()).toMatchObject({ sends: 10, messages: 50, failedSends: 0, queuedMessages: 0 });
  }, 60_000);

  it('gathers 500 concurrent publish() calls into far fewer sends, and every message lands exactly once', async () => {
    publisher = new KafkaEventPublisher(kafka, logger, { lingerMs: 2 });
    await publisher.start();
    const values = Array.from({ length: 500 }, () => randomUUID());
    await Promise.all(values.map((value) => publisher.publish(topic(1), [{ key: value, value }])));

    const { sends, messages } = publisher.stats();
    expect(messages).toBe(500);
    expect(sends).toBeLessThanOrEqual(10);
    const read = await readTopic(kafka, topic(1), 500);
    expect(new Set(read.map((m) => m.value))).toEqual(new Set(values));
    expect(await countMessages(kafka, topic(1))).toBe(500);
  }, 60_000);

  it('also gathers with lingerMs 0, across topics in one sendBatch', async () => {
    publisher = new KafkaEventPublisher(kafka, logger, { lingerMs: 0 });
    await publisher.start();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => publisher.publish(topic(i % 2 === 0 ? 2 : 3), [{ key: `k${i}`, value: `${i}` }])),
    );
    expect(publisher.stats().sends).toBeLessThanOrEqual(5);
    expect(await countMessages(kafka, topic(2))).toBe(50);
    expect(await countMessages(kafka, topic(3))).toBe(50);
  }, 60_000);

  it('rejects every caller of a batch that failed (a topic that does not exist), then publishes again', async () => {
    publisher = new KafkaEventPublisher(kafka, logger, { sendRetry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 } });
    await publisher.start();
    const missing = `publisher-test-missing-${randomUUID()}`;
    const outcomes = await Promise.allSettled([
      publisher.publish(missing, [{ key: 'a', value: '1' }]),
      publisher.publish(missing, [{ key: 'b', value: '2' }]),
      // Shares the failed sendBatch, so its caller learns that its message was not acknowledged either.
      publisher.publish(topic(4), [{ key: 'c', value: '3' }]),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(PublishFailedError);
    }
    expect(publisher.stats()).toMatchObject({ sends: 1, failedSends: 1, messages: 0 });

    await publisher.publish(topic(4), [{ key: 'd', value: '4' }]);
    const read = await readTopic(kafka, topic(4), 1);
    expect(read.map((m) => m.value)).toEqual(['4']);
  }, 60_000);

  it('rejects with PublisherOverloadedError beyond its queue limit instead of growing', async () => {
    publisher = new KafkaEventPublisher(kafka, logger, { maxQueuedMessages: 10, lingerMs: 2 });
    await publisher.start();
    const accepted = Array.from({ length: 10 }, (_, i) => publisher.publish(topic(5), [{ key: `k${i}`, value: `${i}` }]));
    await expect(publisher.publish(topic(5), [{ key: 'k', value: 'too many' }])).rejects.toBeInstanceOf(PublisherOverloadedError);
    await Promise.all(accepted);
    // The queue drained, so there is room again.
    await publisher.publish(topic(5), [{ key: 'k', value: 'room again' }]);
    expect(await countMessages(kafka, topic(5))).toBe(11);
  }, 60_000);

  it('sends the message of an idle publisher at once, and lingers while it is busy (or always, with idleAfterMs 0)', async () => {
    /** Publishes one message that must wait for the linger (unsent after 300 ms), then stop() sends it; `sendsBefore` sends were made. */
    const expectLingers = async (value: string, sendsBefore: number) => {
      let settled = false;
      const lingering = publisher.publish(topic(6), [{ key: 'k', value }]);
      void lingering.then(() => (settled = true), () => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      expect(publisher.stats()).toMatchObject({ sends: sendsBefore, queuedMessages: 1 });
      await publisher.stop();
      await lingering;
    };
    // A linger of two minutes: a message that waited for it would outlast the test.
    publisher = new KafkaEventPublisher(kafka, logger, { lingerMs: 120_000, idleAfterMs: 30_000 });
    await publisher.start();
    // A topic of this test alone (fresh, as each of this file's).
    await publisher.publish(topic(6), [{ key: 'k', value: 'alone' }]);
    expect(publisher.stats()).toMatchObject({ sends: 1, messages: 1 });
    // A send began under idleAfterMs ago: the next message waits for company.
    await expectLingers('busy', 1);
    expect(await countMessages(kafka, topic(6))).toBe(2);

    publisher = new KafkaEventPublisher(kafka, logger, { lingerMs: 120_000, idleAfterMs: 0 });
    await publisher.start();
    await expectLingers('lingers', 0);
    expect(await countMessages(kafka, topic(6))).toBe(3);
  }, 60_000);

  it('stop() sends what is queued, then refuses new messages', async () => {
    publisher = new KafkaEventPublisher(kafka, logger, { lingerMs: 2 });
    await publisher.start();
    const before = await countMessages(kafka, topic(5));
    const queued = Array.from({ length: 20 }, (_, i) => publisher.publish(topic(5), [{ key: `k${i}`, value: `${i}` }]));
    await publisher.stop();
    await expect(Promise.all(queued)).resolves.toHaveLength(20);
    expect(await countMessages(kafka, topic(5))).toBe(before + 20);
    await expect(publisher.publish(topic(5), [{ key: 'k', value: 'late' }])).rejects.toBeInstanceOf(PublisherStoppedError);
  }, 60_000);
});

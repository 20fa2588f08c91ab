import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import pino from 'pino';
import * as v from 'valibot';
import { loadConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { createKafka } from './client';
import { DLQ_HEADERS, parseMessage, startConsumer, type ConsumedMessage, type RunningConsumer } from './consumer';
import { KafkaEventPublisher } from './event-publisher';
import { createScratchTopics, readTopic } from '../../test/harness/scratch-topics';

const TestEventSchema = v.object({ n: v.number() });

/** A pino logger that keeps its entries, to check what the consumer said. */
function capturingLogger(): { logger: Logger; entries: Array<{ msg: string } & Record<string, unknown>> } {
  const entries: Array<{ msg: string } & Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void entries.push(JSON.parse(line) as { msg: string }) });
  return { logger, entries };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function committedOffset(kafka: Kafka, groupId: string, topic: string): Promise<string | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return result?.partitions.find((p) => p.partition === 0)?.offset;
  } finally {
    await admin.disconnect();
  }
}

describe('startConsumer (real broker)', () => {
  const silent = createLogger({ name: 'consumer-test', level: 'silent' });
  const kafka = createKafka(loadConfig().kafka, silent);
  let publisher: KafkaEventPublisher;
  let topic: string;
  let dlq: string;
  let removeTopics: () => Promise<void>;
  const running: RunningConsumer[] = [];

  // Fresh topics (one partition, so offsets and order are easy to reason about) and a fresh publisher per
  // test: a kafkajs producer whose metadata still lists a deleted topic fails its next sends.
  beforeEach(async () => {
    const scratch = await createScratchTopics(kafka, 2, { partitions: 1, prefix: 'consumer-test' });
    [topic, dlq] = scratch.topics as [string, string];
    removeTopics = scratch.remove;
    publisher = new KafkaEventPublisher(kafka, silent);
    await publisher.start();
  }, 30_000);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await publisher.stop();
    await removeTopics();
  }, 30_000);

  const publishNumbers = (from: number, to: number): Promise<void> =>
    publisher.publish(
      topic,
      Array.from({ length: to - from }, (_, i) => ({ key: 'k', value: JSON.stringify({ n: from + i }) })),
    );

  async function consume(groupId: string, handle: (m: ConsumedMessage) => Promise<void>, logger: Logger = silent): Promise<RunningConsumer> {
    const consumer = await startConsumer({ kafka, groupId, topic, logger, handle, dlqTopic: dlq, publisher, retry: { initialMs: 20, maxMs: 100 } });
    running.push(consumer);
    return consumer;
  }

  it('sends poison messages to the DLQ with the reason and their origin, and goes on with the next ones', async () => {
    await publisher.publish(topic, [
      { key: 'a', value: JSON.stringify({ n: 1 }) },
      { key: 'b', value: '{not json', headers: { trace: 't-1' } },
      { key: 'c', value: JSON.stringify({ n: 'two' }) },
      { key: 'd', value: JSON.stringify({ n: 3 }) },
    ]);
    const handled: number[] = [];
    const groupId = `consumer-test-${randomUUID()}`;
    await consume(groupId, async (m) => void handled.push(parseMessage(TestEventSchema, m.value).n));
    await eventually(() => handled.length === 2, 'the good messages');
    expect(handled).toEqual([1, 3]);

    const dead = await readTopic(kafka, dlq, 2);
    expect(dead.map((m) => m.key)).toEqual(['b', 'c']);
    const [badJson, badSchema] = dead as [(typeof dead)[0], (typeof dead)[0]];
    expect(badJson.value).toBe('{not json');
    expect(badJson.headers[DLQ_HEADERS.reason]).toMatch(/^invalid JSON/);
    expect(badJson.headers.trace).toBe('t-1');
    expect(badJson.headers).toMatchObject({
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: '1',
      [DLQ_HEADERS.groupId]: groupId,
    });
    expect(badSchema.headers[DLQ_HEADERS.reason]).toMatch(/^schema validation failed: n: /);
    expect(badSchema.headers[DLQ_HEADERS.offset]).toBe('2');
    expect(JSON.parse(badSchema.headers[DLQ_HEADERS.details]!)).toMatchObject({ issues: [{ path: 'n' }] });
    // The poison never blocks the partition: everything is committed.
    await running.splice(0)[0]!.stop();
    expect(await committedOffset(kafka, groupId, topic)).toBe('4');
  }, 60_000);

  it('retries a message whose handler fails transiently, logging each retry, and skips nothing', async () => {
    await publishNumbers(0, 5);
    const { logger, entries } = capturingLogger();
    const handled: number[] = [];
    let failuresLeft = 3;
    await consume(
      `consumer-test-${randomUUID()}`,
      async (m) => {
        const { n } = parseMessage(TestEventSchema, m.value);
        if (n === 2 && failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('database unavailable');
        }
        handled.push(n);
      },
      logger,
    );
    await eventually(() => handled.length === 5, 'all five messages');
    expect(handled).toEqual([0, 1, 2, 3, 4]);
    const retries = entries.filter((e) => e.msg === 'kafka_message_retry');
    expect(retries.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(retries.every((e) => e.offset === '2' && (e.err as { message: string }).message === 'database unavailable')).toBe(true);
  }, 60_000);

  it('commits an offset only after its handler finished: a stop mid-way loses nothing and redelivers nothing handled', async () => {
    await publishNumbers(0, 10);
    const groupId = `consumer-test-${randomUUID()}`;
    const first: number[] = [];
    let releaseFourth: () => void = () => undefined;
    const fourthStarted = new Promise<void>((started) => {
      void consume(groupId, async (m) => {
        const { n } = parseMessage(TestEventSchema, m.value);
        if (n === 4) {
          started();
          await new Promise<void>((release) => (releaseFourth = release));
        }
        first.push(n);
      });
    });
    await fourthStarted;
    // Stop while message 4 is in the handler: it is allowed to finish, then committed.
    const stopping = running.splice(0)[0]!.stop();
    releaseFourth();
    await stopping;
    expect(first).toEqual([0, 1, 2, 3, 4]);
    expect(await committedOffset(kafka, groupId, topic)).toBe('5');

    const second: number[] = [];
    await consume(groupId, async (m) => void second.push(parseMessage(TestEventSchema, m.value).n));
    await eventually(() => second.length === 5, 'the rest');
    expect(second).toEqual([5, 6, 7, 8, 9]);
  }, 60_000);

  it('leaves a message that never succeeded uncommitted: the next consumer of the group gets it and all after it', async () => {
    await publishNumbers(0, 6);
    const groupId = `consumer-test-${randomUUID()}`;
    const first: number[] = [];
    let attemptsAtThree = 0;
    await consume(groupId, async (m) => {
      const { n } = parseMessage(TestEventSchema, m.value);
      if (n === 3) {
        attemptsAtThree += 1;
        throw new Error('venue unreachable');
      }
      first.push(n);
    });
    await eventually(() => attemptsAtThree >= 3, 'a few attempts at message 3');
    // A stop while retrying wakes the backoff; the process does not crash and nothing after 3 was handled.
    await running.splice(0)[0]!.stop();
    expect(first).toEqual([0, 1, 2]);
    expect(await committedOffset(kafka, groupId, topic)).toBe('3');

    const second: number[] = [];
    await consume(groupId, async (m) => void second.push(parseMessage(TestEventSchema, m.value).n));
    await eventually(() => second.length === 3, 'the redelivered messages');
    expect(second).toEqual([3, 4, 5]);
  }, 60_000);
  it('reads from the end without committing: once started, it gets every later message and leaves no offsets behind', async () => {
    await publishNumbers(0, 3);
    const groupId = `consumer-test-${randomUUID()}`;
    const handled: number[] = [];
    const consumer = await startConsumer({
      kafka,
      groupId,
      topic,
      logger: silent,
      dlqTopic: dlq,
      publisher,
      fromBeginning: false,
      commitOffsets: false,
      awaitFirstFetch: true,
      handle: async (m) => void handled.push(parseMessage(TestEventSchema, m.value).n),
    });
    running.push(consumer);
    // Published right after the start resolved: the start offsets are fixed by then, so none is skipped.
    await publishNumbers(3, 6);
    await eventually(() => handled.length === 3, 'the messages published after the start');
    expect(handled).toEqual([3, 4, 5]);
    await running.splice(0)[0]!.stop();
    expect(await committedOffset(kafka, groupId, topic)).toBe('-1');
  }, 60_000);

  it('keeps a poison message uncommitted while the DLQ cannot take it, without running its handler again', async () => {
    await publisher.publish(topic, [{ key: 'a', value: 'poison' }]);
    const unreachableDlq = new KafkaEventPublisher(kafka, silent, { sendRetry: { retries: 1, initialRetryTime: 20, maxRetryTime: 50 } });
    await unreachableDlq.start();
    const { logger, entries } = capturingLogger();
    let calls = 0;
    const groupId = `consumer-test-${randomUUID()}`;
    const consumer = await startConsumer({
      kafka,
      groupId,
      topic,
      logger,
      dlqTopic: `consumer-test-missing-${randomUUID()}`,
      publisher: unreachableDlq,
      retry: { initialMs: 20, maxMs: 100 },
      handle: async (m) => {
        calls += 1;
        parseMessage(TestEventSchema, m.value);
      },
    });
    try {
      await eventually(() => entries.filter((e) => e.msg === 'kafka_dead_letter_retry').length >= 2, 'dead-letter retries');
    } finally {
      await consumer.stop();
      await unreachableDlq.stop();
    }
    expect(calls).toBe(1);
    expect(await committedOffset(kafka, groupId, topic)).toBe('-1');
  }, 60_000);

  it('with a flush, commits only offsets whose writes the flush made durable, and retries a failing flush', async () => {
    await publishNumbers(0, 10);
    const groupId = `consumer-test-${randomUUID()}`;
    const { logger, entries } = capturingLogger();
    const pending: number[] = [];
    const durable: number[] = [];
    let flushFailuresLeft = 0;
    let releaseSeventh: () => void = () => undefined;
    const seventhStarted = new Promise<void>((started) => {
      void startConsumer({
        kafka,
        groupId,
        topic,
        logger,
        dlqTopic: dlq,
        publisher,
        retry: { initialMs: 20, maxMs: 100 },
        // Long enough that only batch ends and the stop make writes durable.
        commitIntervalMs: 60_000,
        handle: async (m) => {
          const { n } = parseMessage(TestEventSchema, m.value);
          if (n === 7) {
            started();
            await new Promise<void>((release) => (releaseSeventh = release));
          }
          pending.push(n);
        },
        flush: async () => {
          if (flushFailuresLeft > 0) {
            flushFailuresLeft -= 1;
            throw new Error('store unavailable');
          }
          durable.push(...pending.splice(0));
        },
      }).then((consumer) => running.push(consumer));
    });
    await seventhStarted;
    // Nothing was made durable while 0..6 were handled in this batch: nothing is committed yet.
    expect(durable).toEqual([]);
    expect(await committedOffset(kafka, groupId, topic)).toBe('-1');
    const stopping = running.splice(0)[0]!.stop();
    releaseSeventh();
    await stopping;
    // The stop let 7 finish, flushed, and committed exactly what the flush made durable.
    expect(durable).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await committedOffset(kafka, groupId, topic)).toBe('8');

    // The next consumer of the group gets everything that was not made durable, and a flush failure is retried.
    flushFailuresLeft = 2;
    pending.length = 0;
    const second: number[] = [];
    let flushedAfterFailures = false;
    const consumer = await startConsumer({
      kafka,
      groupId,
      topic,
      logger,
      dlqTopic: dlq,
      publisher,
      retry: { initialMs: 20, maxMs: 100 },
      handle: async (m) => void second.push(parseMessage(TestEventSchema, m.value).n),
      flush: async () => {
        if (flushFailuresLeft > 0) {
          flushFailuresLeft -= 1;
          throw new Error('store unavailable');
        }
        flushedAfterFailures = true;
      },
    });
    running.push(consumer);
    await eventually(() => second.length === 2, 'the rest');
    expect(second).toEqual([8, 9]);
    await eventually(() => flushedAfterFailures, 'a flush that works');
    expect(entries.filter((e) => e.msg === 'kafka_flush_retry').map((e) => e.attempt)).toEqual([1, 2]);
    await running.splice(0)[0]!.stop();
    expect(await committedOffset(kafka, groupId, topic)).toBe('10');
  }, 60_000);
});

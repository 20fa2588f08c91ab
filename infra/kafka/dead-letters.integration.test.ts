import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createTopicsWithLeaders } from './create-topics';
import { DeadLetterReadTimeoutError, KafkaDeadLetterQueues, ReplayBusyError } from './dead-letters';
import { KafkaEventPublisher } from './event-publisher';
import { dlqTopic } from './topics';

jest.setTimeout(60_000);

const logger = createLogger({ name: 'dead-letters-test', level: 'silent' });

/** A "broker" that accepts connections and never answers: what a hung Kafka looks like to a client. */
async function silentBroker(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('KafkaDeadLetterQueues bounds (real broker)', () => {
  const config = loadConfig();

  it('gives up on a broker that never answers at the bound: list and replay reject with DeadLetterReadTimeoutError', async () => {
    const broker = await silentBroker();
    // No retries, so the calls left running in the background end as soon as the "broker" goes away.
    const kafka = new Kafka({ clientId: 'dlq-silent', brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 60_000 });
    const publisher = new KafkaEventPublisher(kafka, logger);
    const queues = new KafkaDeadLetterQueues(kafka, publisher, logger, { replayGroupId: `silent-replay-${randomUUID()}`, readerGroupPrefix: 'silent-reader-', boundMs: 500 });
    try {
      // Without the bound each would wait for kafkajs's 60 s request timeout, past this test's own.
      await expect(queues.list('orders', { limit: 10 })).rejects.toBeInstanceOf(DeadLetterReadTimeoutError);
      await expect(queues.replay('orders', { limit: 10 })).rejects.toBeInstanceOf(DeadLetterReadTimeoutError);
    } finally {
      await broker.close();
    }
  });

  describe('against the run broker', () => {
    const kafka = new Kafka({ clientId: 'dlq-test', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });
    const topic = `${config.kafka.prefix}dlq-bounds-${randomUUID()}`;
    const dlq = dlqTopic(topic);
    const replayGroupId = `${config.kafka.prefix}dlq-bounds-replay-${randomUUID()}`;
    let admin: Admin;
    let publisher: KafkaEventPublisher;
    let queues: KafkaDeadLetterQueues;

    beforeAll(async () => {
      admin = kafka.admin();
      await admin.connect();
      await createTopicsWithLeaders(admin, [topic, dlq], { partitions: 3 });
      publisher = new KafkaEventPublisher(kafka, logger);
      await publisher.start();
      queues = new KafkaDeadLetterQueues(kafka, publisher, logger, { replayGroupId, readerGroupPrefix: `${config.kafka.prefix}dlq-bounds-reader-`, boundMs: 3_000 });
      await publisher.publish(dlq, Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `letter ${i}`, headers: {} })));
    });
    afterAll(async () => {
      await publisher?.stop();
      await admin?.deleteTopics({ topics: [topic, dlq] }).catch(() => undefined);
      await admin?.disconnect();
    });

    const watermark = async () => (await queues.list(topic, { limit: 1 })).partitions.map((p) => p.replayedUpTo);

    it('refuses a replay while the watermark group has a member (a replay in another API process), sending nothing', async () => {
      const other = kafka.consumer({ groupId: replayGroupId, maxWaitTimeInMs: 100 });
      await other.connect();
      try {
        let joined: () => void = () => undefined;
        const member = new Promise<void>((resolve) => (joined = resolve));
        other.on(other.events.GROUP_JOIN, () => joined());
        await other.subscribe({ topic: dlq, fromBeginning: true });
        await other.run({ autoCommit: false, eachMessage: async () => undefined });
        await member;
        const before = await watermark();
        await expect(queues.replay(topic, { limit: 100 })).rejects.toBeInstanceOf(ReplayBusyError);
        expect(await watermark()).toEqual(before);
      } finally {
        await other.disconnect();
      }
    });

    it('replays every letter once when the group is free, and moves the watermark to the end of each partition', async () => {
      const result = await queues.replay(topic, { limit: 100 });
      expect(result.count).toBe(6);
      const page = await queues.list(topic, { limit: 100 });
      expect(page.partitions.map((p) => p.replayedUpTo)).toEqual(page.partitions.map((p) => p.high));
      expect(page.letters.every((l) => l.replayed)).toBe(true);
      expect((await queues.replay(topic, { limit: 100 })).count).toBe(0);
      // The result said the same watermark the group now has.
      expect(result.partitions.map((p) => p.replayedUpTo)).toEqual(page.partitions.map((p) => p.high));
      expect(result.replayed.reduce((sum, r) => sum + r.count, 0)).toBe(6);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Kafka } from 'kafkajs';
import { loadConfig, type AppConfig } from '../../infra/config';
import { createKafka } from '../../infra/kafka/client';
import { startConsumer, parseMessage } from '../../infra/kafka/consumer';
import { deadLetterGroups, KafkaDeadLetterQueues } from '../../infra/kafka/dead-letters';
import { KafkaEventPublisher } from '../../infra/kafka/event-publisher';
import { allTopics, dlqTopic } from '../../infra/kafka/topics';
import { createLogger } from '../../infra/logger';
import { priceFeedGroupPrefix } from '../../risk/price-feed';
import { OrderCreatedEventSchema } from '../../domain/events';
import { KAFKA_SERVICES, type KafkaService } from '../../workers/kafka-access';
import { orderProcessorGroups } from '../../workers/order-processor-group';
import { eventually, startSystemProcess } from '../harness/processes';
import { startScramKafka, type ScramKafka } from '../harness/scram-kafka';

/**
 * Per-service Kafka users with ACLs, against a broker that enforces them like MSK (SASL_SSL + SCRAM, KRaft's
 * StandardAuthorizer, no super user): the create-topics job, run as the admin user, creates the topics and the ACLs
 * of workers/kafka-access.ts; the broker is then switched to `allow.everyone.if.no.acl.found=false` (MSK's second
 * step). Who may write and read each topic is written out here, not derived from the table under test.
 */
jest.setTimeout(300_000);

const logger = createLogger({ name: 'kafka-acls-test', level: 'silent' });
const prefix = `acl-${randomUUID().slice(0, 8)}-`;
const USERS: Record<KafkaService, string> = { api: 'oms-api', worker: 'oms-worker', risk: 'oms-risk', venue: 'oms-venue', 'market-data': 'oms-market-data' };
const INTRUDER = 'oms-intruder';

/** Each topic's writers (plain names). The API writes the replayable topics for dead-letter replays. */
const WRITERS: Record<string, readonly (KafkaService | 'intruder')[]> = {
  orders: ['api'],
  executions: ['worker', 'api'],
  'venue-reports': ['venue', 'api'],
  'price-feeds': ['venue'],
  prices: ['market-data'],
  'orders.dlq': ['worker'],
  'executions.dlq': ['market-data'],
  'venue-reports.dlq': ['worker'],
  'price-feeds.dlq': ['market-data'],
  'prices.dlq': ['risk'],
};

describe('Kafka users and ACLs (a broker that enforces them, as MSK does)', () => {
  let broker: ScramKafka;
  const env = (user: string, extra: Record<string, string> = {}): Record<string, string> => ({
    KAFKA_BROKERS: broker.broker,
    KAFKA_SSL: 'on',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: user,
    KAFKA_SASL_PASSWORD: broker.passwords.get(user)!,
    KAFKA_PREFIX: prefix,
    ...extra,
  });
  const configOf = (user: string): AppConfig => loadConfig(env(user));
  const kafkaOf = (user: string): Kafka => createKafka(configOf(user).kafka, logger);
  const topics = () => configOf(broker.user.name).kafka.topics;
  const fullName = (plain: string) => `${prefix}${plain}`;

  const runJob = async (extra: Record<string, string> = {}) => {
    const job = startSystemProcess('create-topics-acls', 'workers/create-topics.ts', env(broker.user.name, { KAFKA_ACL_USERS: JSON.stringify(USERS), ...extra }));
    const code = await job.exited;
    const line = job
      .output()
      .split('\n')
      .find((l) => l.includes('create-topics.acls_applied'));
    return { code, output: job.output(), applied: line === undefined ? undefined : (JSON.parse(line) as { created: string[]; deleted: string[]; kept: number }) };
  };

  /** Publishes one message as `user` through the services' own publisher: 'ok', or the refusal's text. */
  const tryWrite = async (user: string, topic: string): Promise<string> => {
    const publisher = new KafkaEventPublisher(kafkaOf(user), logger, { sendRetry: { retries: 1, initialRetryTime: 50 } });
    try {
      await publisher.start();
    } catch (error) {
      return `no producer: ${String(error)}`;
    }
    try {
      await publisher.publish(topic, [{ key: 'k', value: JSON.stringify({ probe: true }) }]);
      return 'ok';
    } catch (error) {
      return `refused: ${String((error as Error).cause ?? error)}`;
    } finally {
      await publisher.stop();
    }
  };

  /** Reads `topic` from its start in `groupId` as `user`: 'read' once a message comes, or the refusal. */
  const tryRead = async (user: string, topic: string, groupId: string): Promise<string> => {
    // Retries for the broker's own transient answers (a coordinator still loading after the restart); a refusal is final.
    const consumer = kafkaOf(user).consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 8, initialRetryTime: 200 }, allowAutoTopicCreation: false });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      return await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('nothing within 30 s'), 30_000);
        consumer.on(consumer.events.CRASH, (event) => {
          clearTimeout(timer);
          resolve(`refused: ${String(event.payload.error)}`);
        });
        consumer
          .run({
            eachMessage: async () => {
              clearTimeout(timer);
              resolve('read');
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer);
            resolve(`refused: ${String(error)}`);
          });
      });
    } catch (error) {
      return `refused: ${String(error)}`;
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    broker = await startScramKafka({ users: [...Object.values(USERS), INTRUDER], acls: { allowEveryoneIfNoAclFound: true } });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('refuses KAFKA_ACL_USERS that give two services one user, or a service the admin user, before connecting', async () => {
    const shared = await runJob({ KAFKA_ACL_USERS: JSON.stringify({ ...USERS, risk: USERS.worker }) });
    expect(shared.code).toBe(1);
    expect(shared.output).toContain('KAFKA_ACL_USERS: worker and risk share the user oms-worker');
    const admin = await runJob({ KAFKA_ACL_USERS: JSON.stringify({ ...USERS, venue: broker.user.name }) });
    expect(admin.output).toContain('KAFKA_ACL_USERS: venue is the admin user oms');
    const missing = await runJob({ KAFKA_ACL_USERS: JSON.stringify({ api: 'oms-api' }) });
    expect(missing.output).toMatch(/KAFKA_ACL_USERS: .*worker/);
  });

  it('the job, as the admin user, creates the topics and every ACL; a second run changes nothing', async () => {
    const first = await runJob();
    expect(first).toMatchObject({ code: 0, applied: { deleted: [], kept: 0 } });
    expect(first.applied!.created).toEqual(expect.arrayContaining([`User:${USERS.venue}|*|TOPIC|LITERAL|${fullName('venue-reports')}|WRITE|ALLOW`]));
    const second = await runJob();
    expect(second).toMatchObject({ code: 0, applied: { created: [], deleted: [], kept: first.applied!.created.length } });

    // One message in every topic (as the admin, before the switch), so a reader has something to read.
    const publisher = new KafkaEventPublisher(kafkaOf(broker.user.name), logger);
    await publisher.start();
    for (const topic of allTopics(topics())) await publisher.publish(topic, [{ key: 'seed', value: '{"seed":true}' }]);
    await publisher.stop();

    // MSK's second step: nobody without an ACL gets anything any more.
    await broker.restart({ allowEveryoneIfNoAclFound: false });
  });

  it('each service writes exactly the topics it produces (and its dead letters); a user without ACLs writes nothing', async () => {
    const writers = [...KAFKA_SERVICES, 'intruder'] as const;
    const results: Record<string, string[]> = {};
    for (const [plain, allowed] of Object.entries(WRITERS)) {
      results[plain] = [];
      for (const writer of writers) {
        const outcome = await tryWrite(writer === 'intruder' ? INTRUDER : USERS[writer], fullName(plain));
        if (outcome === 'ok') results[plain].push(writer);
        else if (allowed.includes(writer)) results[plain].push(`${writer} REFUSED ${outcome}`);
        else expect(outcome).toMatch(/authoriz/i);
      }
    }
    expect(results).toEqual(Object.fromEntries(Object.entries(WRITERS).map(([plain, allowed]) => [plain, [...allowed].sort((a, b) => writers.indexOf(a) - writers.indexOf(b))])));
  });

  it('each service reads its topics in its own groups, and nothing else', async () => {
    const t = topics();
    const processors = orderProcessorGroups(prefix);
    const marketData = configOf(USERS['market-data']).marketData;
    const reads: Array<[string, string, string, 'read' | 'refused']> = [
      [USERS.worker, t.orders, processors.orders, 'read'],
      [USERS.worker, t.venueReports, processors.venueReports, 'read'],
      [USERS['market-data'], t.priceFeeds, marketData.feedGroupId, 'read'],
      [USERS['market-data'], t.executions, marketData.executionsGroupId, 'read'],
      [USERS.risk, t.prices, `${priceFeedGroupPrefix(prefix)}probe-${randomUUID()}`, 'read'],
      [USERS.api, dlqTopic(t.prices), `${deadLetterGroups(prefix).readerGroupPrefix}${randomUUID()}`, 'read'],
      // Someone else's topic in one's own group; one's own topic in someone else's group; no ACL at all.
      [USERS['market-data'], t.orders, marketData.executionsGroupId, 'refused'],
      [USERS.venue, t.orders, processors.orders, 'refused'],
      [USERS.api, t.orders, `${deadLetterGroups(prefix).readerGroupPrefix}${randomUUID()}`, 'refused'],
      [USERS.risk, t.prices, marketData.feedGroupId, 'refused'],
      [INTRUDER, t.orders, `${prefix}intruder`, 'refused'],
    ];
    for (const [user, topic, group, expected] of reads) {
      const outcome = await tryRead(user, topic, group);
      // A refusal of an expected read shows its text.
      const seen = expected === 'refused' && outcome.startsWith('refused') ? 'refused' : outcome;
      expect({ user, topic, group, outcome: seen }).toEqual({ user, topic, group, outcome: expected });
    }
  });

  it("the worker's consumer sends a poison message to its DLQ, and the API's dead-letter admin reads and replays it, each as its own user", async () => {
    const t = topics();
    const orderId = `acl-${randomUUID()}`;
    const api = new KafkaEventPublisher(kafkaOf(USERS.api), logger);
    const worker = new KafkaEventPublisher(kafkaOf(USERS.worker), logger);
    await Promise.all([api.start(), worker.start()]);
    const handled: string[] = [];
    const consumer = await startConsumer({
      kafka: kafkaOf(USERS.worker),
      groupId: orderProcessorGroups(prefix).orders,
      topic: t.orders,
      dlqTopic: dlqTopic(t.orders),
      publisher: worker,
      logger,
      handle: async (message) => {
        if (message.value.includes('seed')) return;
        handled.push(parseMessage(OrderCreatedEventSchema, message.value).orderId);
      },
    });
    const queues = new KafkaDeadLetterQueues(kafkaOf(USERS.api), api, logger, { ...deadLetterGroups(prefix), boundMs: 20_000 });
    try {
      await api.publish(t.orders, [{ key: orderId, value: JSON.stringify({ poison: orderId }) }]);
      const letter = await eventually('the poison message in orders.dlq', async () => (await queues.list(t.orders, { limit: 50 })).letters.find((l) => l.payloadPreview.includes(orderId)), 60_000, 500);
      expect(letter.reason).toContain('schema');
      const replay = await queues.replay(t.orders, { limit: 100 });
      expect(replay.count).toBeGreaterThanOrEqual(1);
      // Still poison, so it comes back as a new letter, sent by the worker's user again.
      await eventually('the replayed letter back in orders.dlq', async () => (await queues.list(t.orders, { limit: 50 })).letters.find((l) => l.payloadPreview.includes(orderId) && l.headers['dlq-replayed-from'] !== undefined), 60_000, 500);
      expect(handled).toEqual([]);
    } finally {
      await consumer.stop();
      await Promise.all([api.stop(), worker.stop()]);
    }
  });

  it('a grant the table does not hold is removed by the next run; the admin still manages the cluster with no super user', async () => {
    const prices = fullName('prices');
    const admin = kafkaOf(broker.user.name).admin();
    await admin.connect();
    try {
      await admin.createAcls({
        acl: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: prices,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: `User:${USERS.api}`,
            host: '*',
            operation: AclOperationTypes.WRITE,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    await eventually('the stray grant in force', async () => (await tryWrite(USERS.api, prices)) === 'ok', 30_000, 500);

    const run = await runJob();
    expect(run).toMatchObject({ code: 0, applied: { created: [], deleted: [`User:${USERS.api}|*|TOPIC|LITERAL|${prices}|WRITE|ALLOW`] } });
    await eventually('the stray grant gone', async () => /authoriz/i.test(await tryWrite(USERS.api, prices)), 30_000, 500);
  });
});

import { WorkflowNotFoundError } from '@temporalio/client';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { parseDecimal } from '../../domain/decimal';
import type { OrderCreatedEvent } from '../../domain/events';
import { newOrder } from '../../domain/order';
import { toOrderSnapshot } from '../../domain/order-snapshot';
import { allTopics, ensureTopics, kafkaTopics } from '../../infra/kafka/topics';
import { orderWorkflowId } from '../../workflows/order-contract';
import { eventually, startSystemProcess, waitForOutput, type SystemProcess } from '../harness/processes';
import { freePort, TestSystem } from '../harness/system';

/**
 * What lets the tests run beside `npm start`: a worker consumes the orders of its own topic prefix only.
 * The other prefix stands for the stack's unprefixed topics (publishing there would hand `npm start` an order).
 */
describe('test run isolation: Kafka topics under a prefix', () => {
  let system: TestSystem;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let otherPrefix: string;
  let otherWorker: SystemProcess | undefined;

  beforeAll(async () => {
    system = await TestSystem.create('isolation');
    // Under the run's own prefix, so the run's teardown removes these topics too.
    otherPrefix = `${system.config.kafka.prefix}other-`;
    kafka = new Kafka({ clientId: 'test-isolation', brokers: [...system.config.kafka.brokers], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, kafkaTopics(otherPrefix));
    producer = kafka.producer();
    await producer.connect();
    await system.startWorker();
  }, 120_000);
  afterAll(async () => {
    await otherWorker?.stop();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: allTopics(kafkaTopics(otherPrefix)) }).catch(() => undefined);
    await admin?.disconnect();
    await system?.stop();
  }, 60_000);

  const orderCreated = (): OrderCreatedEvent => {
    const orderId = randomUUID();
    const order = newOrder({
      orderId,
      clientOrderId: orderId,
      accountId: `acct-${randomUUID().slice(0, 8)}`,
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: parseDecimal('0.1'),
      price: parseDecimal('30000'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt: new Date().toISOString(),
    });
    return { eventId: `${orderId}:created`, eventType: 'OrderCreated', occurredAt: order.createdAt, version: 1, orderId, order: toOrderSnapshot(order) };
  };
  const publish = (topic: string, event: OrderCreatedEvent) => producer.send({ topic, acks: -1, messages: [{ key: event.orderId, value: JSON.stringify(event) }] });
  const hasWorkflow = async (orderId: string): Promise<boolean> => {
    try {
      await system.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  };

  it("leaves an order on another prefix's topic alone, which a worker of that prefix then starts", async () => {
    const foreign = orderCreated();
    const own = orderCreated();
    await publish(kafkaTopics(otherPrefix).orders, foreign);
    await publish(system.config.kafka.topics.orders, own);

    // The worker is live and consuming: the order on its own topic starts, published after the other one.
    await eventually('the own order to start its workflow', async () => system.worker!.output().includes(`"orderId":"${own.orderId}","outcome":"started"`));
    expect(await hasWorkflow(own.orderId)).toBe(true);
    expect(system.worker!.output()).not.toContain(foreign.orderId);
    expect(await hasWorkflow(foreign.orderId)).toBe(false);

    // A worker under the other prefix (same database and task queue) finds that order waiting: it was a real one.
    otherWorker = startSystemProcess('isolation-other-worker', 'workers/worker.ts', {
      ...system.env,
      KAFKA_PREFIX: otherPrefix,
      WORKER_PORT: String(await freePort()),
      WORKER_TEMPORAL_METRICS_PORT: String(await freePort()),
    });
    await waitForOutput(otherWorker, 'worker.ready');
    await eventually('the other order to start its workflow', async () => otherWorker!.output().includes(`"orderId":"${foreign.orderId}","outcome":"started"`));
    expect(await hasWorkflow(foreign.orderId)).toBe(true);
    expect(otherWorker.output()).not.toContain(own.orderId);
  }, 120_000);
});

import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { parseDecimal } from '../../domain/decimal';
import type { OrderCreatedEvent } from '../../domain/events';
import { newOrder } from '../../domain/order';
import { toOrderSnapshot } from '../../domain/order-snapshot';
import { dlqTopic } from '../../infra/kafka/topics';
import { TemporalOrderWorkflowGateway } from '../../infra/temporal/order-workflows';
import { deriveOrderId } from '../../api/order-id';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';
import { orderWorkflowId } from '../../workflows/order-contract';

/** The orders consumer: one workflow per order whatever Kafka redelivers, poison to the DLQ, cancel before start. */
describe('orders consumer', () => {
  const { topics } = loadConfig().kafka;
  let system: TestSystem;
  let account: { accountId: string; apiKey: string };
  let producer: Producer;
  let kafka: Kafka;

  beforeAll(async () => {
    system = await TestSystem.create('intake');
    account = await system.createAccount({ USD: '100000', BTC: '2' });
    kafka = new Kafka({ clientId: 'test-intake', brokers: [...system.config.kafka.brokers], logLevel: logLevel.NOTHING });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await Promise.all([system.startRisk(), system.startVenue()]);
  }, 120_000);
  afterAll(async () => {
    await producer?.disconnect();
    await system?.stop();
  }, 60_000);

  const orderCreated = (): OrderCreatedEvent => {
    const orderId = randomUUID();
    const order = newOrder({
      orderId,
      clientOrderId: orderId,
      accountId: account.accountId,
      symbol: 'BTC-USD',
      side: 'SELL',
      type: 'LIMIT',
      quantity: parseDecimal('0.1'),
      price: parseDecimal('40000'),
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      createdAt: new Date().toISOString(),
    });
    return { eventId: `${orderId}:created`, eventType: 'OrderCreated', occurredAt: order.createdAt, version: 1, orderId, order: toOrderSnapshot(order) };
  };
  const publish = (event: OrderCreatedEvent | string, key: string) =>
    producer.send({ topic: topics.orders, acks: -1, messages: [{ key, value: typeof event === 'string' ? event : JSON.stringify(event) }] });
  const runs = async (orderId: string) => {
    let count = 0;
    for await (const _ of system.temporal.workflow.list({ query: `WorkflowId="${orderWorkflowId(orderId)}"` })) count += 1;
    return count;
  };

  it('starts a cancel-before-start order from the stored request (signal-with-start): it ends CANCELLED and never holds funds', async () => {
    // Only the API runs: the OrderCreated event waits in Kafka while the cancel arrives.
    await system.startApi();
    const placed = await system.placeOrder(account.apiKey, { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '1', price: '30000' });
    expect(placed.status).toBe(202);
    const orderId = placed.json.orderId as string;
    expect((await system.request('GET', `/api/orders/${orderId}`, { apiKey: account.apiKey })).json.status).toBe('NEW');
    const cancel = await system.request('POST', `/api/orders/${orderId}/cancel`, { apiKey: account.apiKey });
    expect(cancel.status).toBe(202);

    await system.startWorker();
    const final = await system.waitForStatus(account.apiKey, orderId, 'CANCELLED');
    expect(final.version).toBe(2);
    // GET answers from the stored request (NEW) until Mongo has the order: NEW and CANCELLED are persisted together,
    // in one batch (patch 'batched-steps'), right after the workflow reached CANCELLED.
    const trail = await eventually('the trail NEW, CANCELLED in Mongo', async () => {
      const statuses = (await system.orders.events(orderId)).map((e) => e.status);
      return statuses.length >= 2 ? statuses : undefined;
    });
    expect(trail).toEqual(['NEW', 'CANCELLED']);
    expect((await system.balances(account.accountId)).USD).toEqual({ total: '100000', available: '100000', held: '0' });
    // The OrderCreated event arrives after the workflow exists and starts nothing.
    await eventually('the late OrderCreated to count as a duplicate', async () =>
      system.worker!.output().includes(`"orderId":"${orderId}","outcome":"duplicate"`) ? true : undefined,
    );
    expect(await runs(orderId)).toBe(1);
  }, 120_000);

  it('answers GET of an order not in Mongo yet from the stored request, without asking its workflow', async () => {
    // The order's workflow exists before the POST, on a task queue no worker polls: it never runs, so Mongo never has
    // the order, and a query of it would wait for a worker until the API's deadline (503). The API's OrderCreated is
    // then a duplicate for the running worker's consumer.
    const key = randomUUID();
    const orderId = deriveOrderId(account.accountId, key);
    const { order } = orderCreated();
    const unpolled = new TemporalOrderWorkflowGateway(system.temporal, `unpolled-${randomUUID()}`);
    expect(await unpolled.startOrder({ ...order, orderId, clientOrderId: orderId })).toEqual({ outcome: 'started', eagerlyStarted: false });
    try {
      const placed = await system.placeOrder(account.apiKey, { symbol: 'BTC-USD', side: 'SELL', type: 'LIMIT', quantity: '0.1', price: '40000' }, key);
      expect({ status: placed.status, orderId: placed.json.orderId }).toEqual({ status: 202, orderId });
      const started = Date.now();
      const got = await system.request('GET', `/api/orders/${orderId}`, { apiKey: account.apiKey });
      expect({ status: got.status, order: got.json.orderId, state: got.json.status }).toEqual({ status: 200, order: orderId, state: 'NEW' });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await system.orders.get(orderId)).toBeNull();
      // Another account neither sees nor cancels it from the stored request.
      const other = await system.createAccount({ USD: '1000' });
      expect((await system.request('GET', `/api/orders/${orderId}`, { apiKey: other.apiKey })).status).toBe(404);
      const foreignCancel = await system.request('POST', `/api/orders/${orderId}/cancel`, { apiKey: other.apiKey });
      expect({ status: foreignCancel.status, code: foreignCancel.json.error.code }).toEqual({ status: 404, code: 'ORDER_NOT_FOUND' });
      await eventually('the OrderCreated to count as a duplicate', async () =>
        system.worker!.output().includes(`"orderId":"${orderId}","outcome":"duplicate"`) ? true : undefined,
      );
    } finally {
      await system.temporal.workflow.getHandle(orderWorkflowId(orderId)).terminate('test done');
    }
  }, 60_000);

  it('starts one workflow run for an OrderCreated delivered twice, and none when it comes again after the order finished', async () => {
    const event = orderCreated();
    await publish(event, event.orderId);
    await publish(event, event.orderId);
    await system.waitForStatus(account.apiKey, event.orderId, 'ACCEPTED');
    await eventually('both deliveries to be consumed', async () =>
      system.worker!.output().includes(`"orderId":"${event.orderId}","outcome":"duplicate"`) ? true : undefined,
    );
    expect(await runs(event.orderId)).toBe(1);

    await system.request('POST', `/api/orders/${event.orderId}/cancel`, { apiKey: account.apiKey });
    await system.waitForStatus(account.apiKey, event.orderId, 'CANCELLED');
    const duplicatesBefore = system.worker!.output().split(`"orderId":"${event.orderId}","outcome":"duplicate"`).length;
    await publish(event, event.orderId);
    await eventually('the post-completion redelivery to be consumed', async () =>
      system.worker!.output().split(`"orderId":"${event.orderId}","outcome":"duplicate"`).length > duplicatesBefore ? true : undefined,
    );
    expect(await runs(event.orderId)).toBe(1);
    expect((await system.orders.get(event.orderId))?.status).toBe('CANCELLED');
  }, 60_000);

  it('sends a message that fails its schema to orders.dlq with the reason, and goes on with the next', async () => {
    const marker = randomUUID();
    // Under the run's prefix, so the run's teardown deletes the group.
    const groupId = `${system.config.kafka.prefix}test-dlq-${marker}`;
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic(topics.orders), fromBeginning: false });
    const dead: Array<{ value: string; reason: string }> = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString() ?? '';
        if (value.includes(marker)) dead.push({ value, reason: message.headers?.['dlq-reason']?.toString() ?? '' });
      },
    });
    // Joining the group assigns partitions at the log end; give it a moment before producing. The admin is
    // disconnected after: an admin left connected keeps a socket that holds Jest open until the broker idles it out.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually('the DLQ reader to join', async () => ((await admin.describeGroups([groupId])).groups[0]?.state === 'Stable' ? true : undefined));
    } finally {
      await admin.disconnect();
    }

    const next = orderCreated();
    await publish(`{"not": "an order", "marker": "${marker}"}`, marker);
    await publish(`not json at all ${marker}`, marker);
    await publish(next, next.orderId);
    await system.waitForStatus(account.apiKey, next.orderId, 'ACCEPTED');
    await eventually('both poison messages in the DLQ', async () => (dead.length >= 2 ? true : undefined));
    await consumer.disconnect();
    expect(dead).toHaveLength(2);
    for (const entry of dead) expect(entry.reason.length).toBeGreaterThan(0);
  }, 60_000);
});

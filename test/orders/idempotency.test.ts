import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../infra/config';
import { eventually } from '../harness/processes';
import { TestSystem, topicEndOffset } from '../harness/system';
import { orderWorkflowId } from '../../workflows/order-contract';

const order = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '25000' };

describe('order API: idempotency keys', () => {
  const { topics } = loadConfig().kafka;
  let system: TestSystem;
  let apiKey: string;
  let accountId: string;
  let redis: Redis;

  beforeAll(async () => {
    system = await TestSystem.create('idem');
    ({ apiKey, accountId } = await system.createAccount({ USD: '1000000', BTC: '10' }));
    redis = new Redis(system.config.redis.url, { keyPrefix: system.config.redis.keyPrefix });
    await system.startAll();
  }, 120_000);
  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  }, 60_000);

  const runs = async (orderId: string) => {
    const ids: string[] = [];
    for await (const wf of system.temporal.workflow.list({ query: `WorkflowId="${orderWorkflowId(orderId)}"` })) ids.push(wf.runId);
    return ids;
  };

  it('replays the first response, status and body identical, for a sequential repeat', async () => {
    const key = randomUUID();
    const first = await system.placeOrder(apiKey, order, key);
    expect(first.status).toBe(202);
    await system.waitForStatus(apiKey, first.json.orderId as string, 'ACCEPTED');
    const again = await system.placeOrder(apiKey, { ...order, price: '25000.00', symbol: 'BTC/USD' }, key); // same order, other spelling
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const viaXHeader = await system.request('POST', '/api/orders', { apiKey, body: order, headers: { 'X-Idempotency-Key': key } });
    expect(viaXHeader.text).toBe(first.text);
  }, 60_000);

  it('makes one order and one workflow from 20 concurrent requests with one key', async () => {
    const key = randomUUID();
    const offsetBefore = await topicEndOffset(topics.orders);
    const responses = await Promise.all(Array.from({ length: 20 }, () => system.placeOrder(apiKey, order, key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    const orderIds = new Set(accepted.map((r) => r.json.orderId as string));
    expect(orderIds.size).toBe(1);
    for (const r of responses.filter((r) => r.status === 409)) expect(r.json.error.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');

    const [orderId] = [...orderIds] as [string];
    await system.waitForStatus(apiKey, orderId, 'ACCEPTED');
    expect(await topicEndOffset(topics.orders)).toBe(offsetBefore + 1n);
    expect(await runs(orderId)).toHaveLength(1);
    expect((await system.orders.events(orderId)).map((e) => e.version)).toEqual([1, 2]);
  }, 60_000);

  it('refuses the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED, and changes nothing', async () => {
    const key = randomUUID();
    const first = await system.placeOrder(apiKey, order, key);
    const offsetBefore = await topicEndOffset(topics.orders);
    const other = await system.placeOrder(apiKey, { ...order, quantity: '0.02' }, key);
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await topicEndOffset(topics.orders)).toBe(offsetBefore);
    const replay = await system.placeOrder(apiKey, order, key);
    expect(replay.text).toBe(first.text);
  }, 30_000);

  it('derives the same order id when Redis lost the key, so a retry cannot make a second order', async () => {
    const key = randomUUID();
    const first = await system.placeOrder(apiKey, order, key);
    const orderId = first.json.orderId as string;
    await system.waitForStatus(apiKey, orderId, 'ACCEPTED');
    const deleted = await redis.del(`idempotency:${accountId}:${key}`);
    expect(deleted).toBe(1);

    const retry = await system.placeOrder(apiKey, order, key);
    expect(retry.status).toBe(202);
    expect(retry.json.orderId).toBe(orderId);
    // The second OrderCreated reaches the consumer, which finds the workflow and starts nothing.
    await eventually('the duplicate to be consumed', async () => (system.worker!.output().includes(`"orderId":"${orderId}","outcome":"duplicate"`) ? true : undefined));
    expect(await runs(orderId)).toHaveLength(1);
    expect((await system.request('GET', `/api/orders/${orderId}`, { apiKey })).json.status).toBe('ACCEPTED');
  }, 60_000);
});

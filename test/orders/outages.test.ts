import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../infra/config';
import { ensureTopics } from '../../infra/kafka/topics';
import { isAlive, runningPid } from '../../scripts/stack/processes';
import { serverPidFile, type ServerName } from '../../scripts/stack/servers/server';
import { up } from '../../scripts/stack/stack';
import { internalFetch } from '../harness/internal-calls';
import { startPrivateStack, type PrivateStack } from '../harness/private-stack';
import { eventually } from '../harness/processes';
import { readTopicFrom, TestSystem, topicOffsets } from '../harness/system';

/**
 * Each dependency of the order API down in turn (Redis, Kafka, Mongo, the risk engine, the venue, Temporal): the
 * routes that need it answer 503 SERVICE_UNAVAILABLE with Retry-After within a few seconds, not a 500 or a hang, and
 * once it is back the same request (the same Idempotency-Key) succeeds, once. The whole system runs on servers of its
 * own (one private stack for the file), which the test kills; the shared stack is never touched.
 */
const BOUND_MS = 8_000;
const SERVER_ENV = ['MONGO_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'TEMPORAL_ADDRESS'] as const;

describe('order API under dependency outages', () => {
  let stack: PrivateStack;
  let system: TestSystem;
  let alice: { accountId: string; apiKey: string };
  const saved: Partial<Record<(typeof SERVER_ENV)[number], string | undefined>> = {};
  const order = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '30000' };

  beforeAll(async () => {
    stack = await startPrivateStack();
    const { ports } = stack.settings;
    for (const name of SERVER_ENV) saved[name] = process.env[name];
    // The system's processes and this file's own clients (TestSystem, topic readers) follow process.env.
    Object.assign(process.env, {
      MONGO_URL: `mongodb://127.0.0.1:${ports.mongo}`,
      REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
      KAFKA_BROKERS: `127.0.0.1:${ports.kafka}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    });
    const admin = new Kafka({ clientId: 'outages-setup', brokers: [`127.0.0.1:${ports.kafka}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, loadConfig().kafka.topics);
    } finally {
      await admin.disconnect();
    }
    system = await TestSystem.create('outages');
    alice = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
    await stack?.remove();
    for (const name of SERVER_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }, 180_000);

  const kill = async (name: ServerName) => {
    const pid = runningPid(serverPidFile(stack.settings, name));
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    while (isAlive(pid!)) await new Promise((r) => setTimeout(r, 50));
  };
  const restart = (name: ServerName) => up(stack.settings, () => undefined, [name]);

  /** The request, how long it took, and that a 503 says SERVICE_UNAVAILABLE with a Retry-After in seconds. */
  const expectUnavailable = async (request: () => ReturnType<TestSystem['request']>) => {
    const started = Date.now();
    const response = await request();
    const elapsed = Date.now() - started;
    expect({ status: response.status, code: response.json?.error?.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(elapsed).toBeLessThan(BOUND_MS);
    return response;
  };
  /** Retries as a client would (503 and 409 say "again shortly") until the answer is `status`. */
  const untilStatus = (what: string, status: number, request: () => ReturnType<TestSystem['request']>) =>
    eventually(
      what,
      async () => {
        const response = await request();
        if (response.status === status) return response;
        if (response.status !== 503 && response.status !== 409) throw new Error(`unexpected ${response.status}: ${response.text}`);
        return undefined;
      },
      90_000,
      500,
    );

  it('Redis down: POST /api/orders is 503 quickly; the same key then places the order once', async () => {
    // The key is authenticated (and cached) while everything is up.
    expect((await system.request('GET', '/api/orders', { apiKey: alice.apiKey })).status).toBe(200);
    await kill('redis');
    const key = randomUUID();
    await expectUnavailable(() => system.placeOrder(alice.apiKey, order, key));
    // The rate limits fail open: a route that needs no Redis still answers.
    expect((await system.request('GET', '/api/orders', { apiKey: alice.apiKey })).status).toBe(200);
    // An order Mongo does not have is looked for in Redis's stored requests, then asked of its workflow: with no
    // workflow either, Redis's failure stands (a 404 could be wrong).
    await expectUnavailable(() => system.request('GET', `/api/orders/${randomUUID()}`, { apiKey: alice.apiKey }));

    await restart('redis');
    const placed = await untilStatus('the order placed once Redis is back', 202, () => system.placeOrder(alice.apiKey, order, key));
    const again = await system.placeOrder(alice.apiKey, order, key);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.orderId).toBe(placed.json.orderId);
    await system.waitForStatus(alice.apiKey, placed.json.orderId as string, 'ACCEPTED', 60_000);
  }, 180_000);

  it('Kafka down: POST /api/orders is 503 quickly; the same key then places the order, published once', async () => {
    const topic = loadConfig().kafka.topics.orders;
    const before = await topicOffsets(topic);
    await kill('kafka');
    const key = randomUUID();
    await expectUnavailable(() => system.placeOrder(alice.apiKey, order, key));

    await restart('kafka');
    const placed = await untilStatus('the order placed once Kafka is back', 202, () => system.placeOrder(alice.apiKey, order, key));
    const orderId = placed.json.orderId as string;
    await system.waitForStatus(alice.apiKey, orderId, 'ACCEPTED', 60_000);
    const after = await topicOffsets(topic);
    const published = after.reduce((n, p) => n + Number(p.offset), 0) - before.reduce((n, p) => n + Number(p.offset), 0);
    const messages = await readTopicFrom(topic, before, (values) => values.length >= published);
    expect(messages.filter((m) => m.includes(orderId))).toHaveLength(1);
  }, 240_000);

  it('Mongo down: listing orders and fills is 503 quickly, and answers again once it is back', async () => {
    await kill('mongo');
    await expectUnavailable(() => system.request('GET', '/api/orders', { apiKey: alice.apiKey }));
    await expectUnavailable(() => system.request('GET', '/api/fills', { apiKey: alice.apiKey }));
    await restart('mongo');
    const listed = await untilStatus('the order list once Mongo is back', 200, () => system.request('GET', '/api/orders', { apiKey: alice.apiKey }));
    expect(listed.json.orders.length).toBeGreaterThanOrEqual(2);
  }, 180_000);

  it('risk engine down: balances are 503 quickly, and answer again once it is back', async () => {
    await system.risk!.stop();
    await expectUnavailable(() => system.request('GET', '/api/accounts/me/balances', { apiKey: alice.apiKey }));
    await system.startRisk();
    await untilStatus('balances once the risk engine is back', 200, () => system.request('GET', '/api/accounts/me/balances', { apiKey: alice.apiKey }));
  }, 120_000);

  let resting: string;
  it('venue down: an order is still accepted (it waits for the venue); releasing its hold is 503 quickly', async () => {
    system.venue!.kill('SIGKILL');
    await system.venue!.exited;
    const key = randomUUID();
    const placed = await system.placeOrder(alice.apiKey, order, key);
    expect(placed.status).toBe(202);
    resting = placed.json.orderId as string;
    await system.waitForStatus(alice.apiKey, resting, 'ACCEPTED', 60_000);

    const started = Date.now();
    const release = await internalFetch(`${system.env.RISK_URL}/risk/orders/${resting}/release`, {
      method: 'POST',
      body: JSON.stringify({ accountId: alice.accountId }),
    });
    expect(release.status).toBe(503);
    expect(release.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(((await release.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(BOUND_MS);

    await system.startVenue();
    // The workflow's submission retries until the venue takes the order, once.
    await eventually('the venue to have the order', async () => ((await internalFetch(`${system.venueUrl}/venue/orders/${resting}`)).status === 200 ? true : undefined), 60_000, 500);
  }, 180_000);

  it('Temporal down: cancelling is 503 quickly; the same cancel then goes through', async () => {
    await kill('temporal');
    await expectUnavailable(() => system.request('DELETE', `/api/orders/${resting}`, { apiKey: alice.apiKey }));
    await restart('temporal');
    await untilStatus('the cancel once Temporal is back', 202, () => system.request('DELETE', `/api/orders/${resting}`, { apiKey: alice.apiKey }));
    await system.waitForStatus(alice.apiKey, resting, 'CANCELLED', 90_000);
  }, 240_000);
});

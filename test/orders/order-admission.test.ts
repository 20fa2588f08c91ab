import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedis } from '../../infra/redis/client';
import { createLogger } from '../../infra/logger';
import { TestSystem } from '../harness/system';

/**
 * POST /api/orders checks its rate limits and claims its Idempotency-Key in one Redis call (api/rate-limit.ts,
 * infra/redis/order-admission.ts), against the real API process and Redis. What the limits answer is
 * test/orders/rate-limits.test.ts's; here: the one call, and that requests ending before it still count.
 */
const LIMITS = { key: 100, orders: 3, address: 100, authFailures: 10 };

describe('order admission: the rate limits and the idempotency claim of a new order in one Redis call', () => {
  let system: TestSystem;
  let alice: { accountId: string; apiKey: string; keyId: string };
  const order = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '30000' };
  const post = (apiKey: string, address: string, options: { key?: string; body?: unknown; rawBody?: string } = {}) =>
    system.request('POST', '/api/orders', {
      apiKey,
      ...(options.rawBody === undefined ? { body: options.body ?? order } : { rawBody: options.rawBody }),
      headers: { 'X-Forwarded-For': address, 'Idempotency-Key': options.key ?? randomUUID() },
    });
  const newAddress = () => `198.18.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

  beforeAll(async () => {
    system = await TestSystem.create('admission', {
      env: {
        RATE_LIMIT_KEY_PER_SECOND: String(LIMITS.key),
        RATE_LIMIT_ORDERS_PER_SECOND: String(LIMITS.orders),
        RATE_LIMIT_ADDRESS_PER_SECOND: String(LIMITS.address),
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: String(LIMITS.authFailures),
        RATE_LIMIT_TRUSTED_PROXY_HOPS: '1',
      },
    });
    alice = await system.createAccount({ USD: '1000000', BTC: '10' });
    await system.startApi();
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('an accepted order costs one Redis call for its address, key and order limits and its claim, and answers all their headers', async () => {
    const redis: Redis = createRedis(system.config.redis, createLogger({ name: 'admission-monitor', level: 'silent' }));
    const monitor = await redis.monitor();
    const commands: string[][] = [];
    // What clients sent, not what the scripts ran inside (source "lua").
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') commands.push(args);
    });
    try {
      // The API key's first request looks it up in the store (its address is checked before the lookup); the second
      // one is the first to run the script, which Redis then learns (NOSCRIPT, then EVAL): the third is measured.
      for (let i = 0; i < 2; i += 1) expect((await post(alice.apiKey, newAddress())).status).toBe(202);
      const address = newAddress();
      const key = randomUUID();
      commands.length = 0;
      const placed = await post(alice.apiKey, address, { key });
      expect(placed.status).toBe(202);
      expect(placed.headers.get('ratelimit-policy')).toBe(`"address";q=${LIMITS.address};w=1, "key";q=${LIMITS.key};w=1, "orders";q=${LIMITS.orders};w=1`);
      expect(placed.headers.get('ratelimit')).toMatch(new RegExp(`^"address";r=${LIMITS.address - 1};t=1, "key";r=\\d+;t=1, "orders";r=\\d;t=1$`));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Every command that names this request's address (its counter) or its Idempotency-Key (its record).
      const touching = commands.filter((args) => args.some((arg) => arg.includes(`{addr:${address}}`) || arg.endsWith(`:${key}`)));
      const beforePublish = touching.filter((args) => args.some((arg) => arg.includes(`{addr:${address}}`)));
      expect(beforePublish).toHaveLength(1);
      const [call] = beforePublish;
      expect(call![0]!.toLowerCase()).toBe('evalsha');
      expect(call!.some((arg) => arg.includes(`{key:${alice.keyId}}:orders`))).toBe(true);
      expect(call!.some((arg) => arg.endsWith(`:${key}`))).toBe(true);
      // After Kafka's acknowledgement: the stored answer (pipelined with the pending-order snapshot), nothing else.
      expect(touching.filter((args) => args !== call)).toHaveLength(1);
      // The order's log line carries the request's id and who placed it.
      const logged = system.api!.output().split('\n').find((line) => line.includes('"order.placed"') && line.includes(placed.json.orderId as string));
      expect(JSON.parse(logged ?? '{}')).toMatchObject({ requestId: placed.headers.get('x-request-id'), accountId: alice.accountId, keyId: alice.keyId, msg: 'order.placed' });
    } finally {
      monitor.disconnect();
      redis.disconnect();
    }
  }, 60_000);

  it('bodies refused with 400 count toward the key and order limits, and a request over them answers 429 instead', async () => {
    // A key of its own: the order limit is per key, and the other tests place orders with theirs.
    const trader = await system.createAccount({ USD: '1000000' });
    const address = newAddress();
    // Far more at once than the 3 new orders a second allow: whichever window they fall in, most are over it.
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(trader.apiKey, address, { rawBody: '{"symbol":' })));
    const malformed = answers.filter((r) => r.status === 400);
    const limited = answers.filter((r) => r.status === 429);
    expect(malformed.length + limited.length).toBe(20);
    expect(malformed.length).toBeGreaterThan(0);
    expect(malformed.length).toBeLessThanOrEqual(LIMITS.orders * 2);
    expect(malformed[0]!.json.error.code).toBe('MALFORMED_JSON');
    expect(limited[0]!.json.error).toMatchObject({ code: 'RATE_LIMITED', details: { policy: 'orders' } });
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
    expect(limited[0]!.headers.get('ratelimit-policy')).toContain(`"orders";q=${LIMITS.orders};w=1`);
  }, 60_000);

  it('an order refused by a limit claims nothing: its Idempotency-Key places the order once the window is over', async () => {
    const trader = await system.createAccount({ USD: '1000000' });
    const address = newAddress();
    const keys = Array.from({ length: 12 }, () => randomUUID());
    const answers = await Promise.all(keys.map((key) => post(trader.apiKey, address, { key })));
    const refused = keys.filter((_, i) => answers[i]!.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const retried = await post(trader.apiKey, address, { key: refused[0]! });
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  }, 60_000);

  it('unknown keys on POST /api/orders count as failed authentications: after 10 the address gets 429, a remembered unknown key too', async () => {
    const fresh = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.authFailures + 2; i += 1) statuses.push((await post(`key-${randomUUID()}`, fresh)).status);
    expect(statuses).toEqual([...Array(LIMITS.authFailures).fill(401), 429, 429]);

    // One unknown key again and again: after its first lookup the cache answers it, without the store.
    const repeated = newAddress();
    const badKey = `key-${randomUUID()}`;
    const again: number[] = [];
    for (let i = 0; i < LIMITS.authFailures + 2; i += 1) again.push((await post(badKey, repeated)).status);
    expect(again).toEqual([...Array(LIMITS.authFailures).fill(401), 429, 429]);
    const last = await post(alice.apiKey, repeated);
    expect(last.status).toBe(429);
    expect(last.json.error).toMatchObject({ code: 'RATE_LIMITED', details: { policy: 'auth-failures' } });
  }, 60_000);
});

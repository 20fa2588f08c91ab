import { randomUUID } from 'node:crypto';
import { createRedis } from '../../infra/redis/client';
import { createLogger } from '../../infra/logger';
import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { TestSystem } from '../harness/system';

/**
 * The order API's rate limits against the real API process and Redis, with small limits. The API trusts one proxy
 * hop, so each test chooses its client addresses with X-Forwarded-For and the per-address limits stay apart.
 */
const LIMITS = { key: 20, admin: 60, orders: 5, address: 50, authFailures: 10 };

describe('order API rate limits', () => {
  let system: TestSystem;
  let alice: { accountId: string; apiKey: string; keyId: string };
  let bob: { accountId: string; apiKey: string; keyId: string };
  let admin: { accountId: string; apiKey: string; keyId: string };

  beforeAll(async () => {
    system = await TestSystem.create('ratelimit', {
      env: {
        RATE_LIMIT_KEY_PER_SECOND: String(LIMITS.key),
        RATE_LIMIT_ADMIN_KEY_PER_SECOND: String(LIMITS.admin),
        RATE_LIMIT_ORDERS_PER_SECOND: String(LIMITS.orders),
        RATE_LIMIT_ADDRESS_PER_SECOND: String(LIMITS.address),
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: String(LIMITS.authFailures),
        RATE_LIMIT_TRUSTED_PROXY_HOPS: '1',
      },
    });
    alice = await system.createAccount({ USD: '1000000', BTC: '10' });
    bob = await system.createAccount({ USD: '1000000', BTC: '10' });
    admin = await system.createAccount({}, { role: 'admin' });
    await system.startApi();
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  const from = (address: string) => ({ 'X-Forwarded-For': address });
  /** Each request from an address of its own, so only the per-key limits apply. */
  let spread = 0;
  const anywhere = () => {
    spread += 1;
    return from(`10.${Math.floor(spread / 250) % 250}.${spread % 250}.${1 + (Math.floor(spread / 62_500) % 250)}`);
  };
  const get = (apiKey: string, headers: Record<string, string>) => system.request('GET', '/api/orders?limit=1', { apiKey, headers });

  it('per key: 1,000 requests in about 4 s get 429 RATE_LIMITED beyond 20 a second, with Retry-After and the RateLimit headers', async () => {
    const started = Date.now();
    const responses: Array<Awaited<ReturnType<typeof get>>> = [];
    while (responses.length < 1_000) responses.push(...(await Promise.all(Array.from({ length: 50 }, () => get(alice.apiKey, anywhere())))));
    const seconds = (Date.now() - started) / 1_000;
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok.length + limited.length).toBe(1_000);
    // At most the limit per window the run touched (fixed one-second windows).
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.length).toBeLessThanOrEqual(LIMITS.key * (Math.ceil(seconds) + 1));
    expect(limited.length).toBeGreaterThan(500);

    const refused = limited[0]!;
    expect(refused.json.error).toMatchObject({ code: 'RATE_LIMITED', details: { policy: 'key', limit: LIMITS.key } });
    expect(Number(refused.headers.get('retry-after'))).toBe(1);
    expect(refused.headers.get('ratelimit-policy')).toBe(`"address";q=${LIMITS.address};w=1, "key";q=${LIMITS.key};w=1`);
    expect(refused.headers.get('ratelimit')).toMatch(new RegExp(`^"address";r=${LIMITS.address - 1};t=1, "key";r=0;t=1$`));
    for (const r of ok) expect(r.headers.get('ratelimit')).toMatch(/"key";r=(1?\d);t=1$/);
  }, 120_000);

  it('keys are independent: another key answers at once while the first is limited, and an admin key has the higher limit', async () => {
    // Alice over her limit in this second...
    const burst = await Promise.all(Array.from({ length: LIMITS.key * 3 }, () => get(alice.apiKey, anywhere())));
    expect(burst.some((r) => r.status === 429)).toBe(true);
    // ...Bob is not.
    const other = await get(bob.apiKey, anywhere());
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-policy')).toContain(`"key";q=${LIMITS.key};w=1`);

    // Forty at once: over a trader's 20 a second, within an admin's 60 (at most 40 fall in any one window).
    const admins = await Promise.all(Array.from({ length: 40 }, () => get(admin.apiKey, anywhere())));
    expect(admins.filter((r) => r.status === 429)).toEqual([]);
    expect(admins[0]!.headers.get('ratelimit-policy')).toContain(`"admin-key";q=${LIMITS.admin};w=1`);
  }, 60_000);

  it('new orders: beyond 5 a second per key, POST /api/orders answers 429 naming the orders policy', async () => {
    const order = { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '30000' };
    const placed = await Promise.all(
      Array.from({ length: 20 }, () => system.request('POST', '/api/orders', { apiKey: bob.apiKey, body: order, headers: { ...anywhere(), 'Idempotency-Key': randomUUID() } })),
    );
    const limited = placed.filter((r) => r.status === 429);
    expect(placed.filter((r) => r.status === 202).length).toBeLessThanOrEqual(LIMITS.orders * 3);
    expect(limited.some((r) => r.json.error.details.policy === 'orders')).toBe(true);
    expect(limited[0]!.headers.get('ratelimit-policy')).toContain(`"orders";q=${LIMITS.orders};w=1`);
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
  }, 60_000);

  it('per address: many keys from one address are limited together', async () => {
    const keys = [alice.apiKey, bob.apiKey];
    const responses = await Promise.all(Array.from({ length: 120 }, (_, i) => get(keys[i % 2]!, from('192.0.2.7'))));
    const byAddress = responses.filter((r) => r.status === 429 && r.json.error.details.policy === 'address');
    expect(byAddress.length).toBeGreaterThan(0);
    expect(byAddress[0]!.headers.get('ratelimit-policy')).toBe(`"address";q=${LIMITS.address};w=1`);
  }, 60_000);

  it('failed authentications: after 10 wrong keys an address gets 429 for the rest of the minute, valid keys too; other addresses are not affected', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 200; i += 1) {
      last = await get(`key-${randomUUID()}`, from('198.51.100.9'));
      statuses.push(last.status);
    }
    expect(statuses.slice(0, LIMITS.authFailures)).toEqual(Array(LIMITS.authFailures).fill(401));
    expect(statuses.slice(LIMITS.authFailures)).toEqual(Array(200 - LIMITS.authFailures).fill(429));
    // 200 requests in a row may also pass the per-address limit (50 a second) on a fast machine: once that one-second
    // window is over, the lock-out is what still refuses the address.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    last = await get(`key-${randomUUID()}`, from('198.51.100.9'));
    expect(last.status).toBe(429);
    expect(last.json.error).toMatchObject({ code: 'RATE_LIMITED', details: { policy: 'auth-failures' } });
    const retryAfter = Number(last.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last.headers.get('ratelimit')).toMatch(/"auth-failures";r=0;t=\d+$/);

    expect((await get(alice.apiKey, from('198.51.100.9'))).status).toBe(429);
    expect((await get(alice.apiKey, from('198.51.100.10'))).status).toBe(200);
  }, 60_000);

  it('market data REST: per address, with the same 429 and headers', async () => {
    const md = await MarketDataTestProcess.create('ratelimit', { MARKET_DATA_BACKFILL_FILES: 'none', RATE_LIMIT_ADDRESS_PER_SECOND: '10', RATE_LIMIT_TRUSTED_PROXY_HOPS: '1' });
    try {
      await md.start('serving');
      const ask = (address: string) => fetch(`${md.baseUrl}/api/market/symbols`, { headers: from(address) });
      const responses = await Promise.all(Array.from({ length: 40 }, () => ask('192.0.2.99')));
      const limited = responses.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(responses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(30);
      expect(limited[0]!.headers.get('retry-after')).toBe('1');
      expect(limited[0]!.headers.get('ratelimit-policy')).toBe('"address";q=10;w=1');
      expect(limited[0]!.headers.get('ratelimit')).toMatch(/^"address";r=0;t=1$/);
      expect(((await limited[0]!.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      // Another address is not affected.
      expect((await ask('192.0.2.100')).status).toBe(200);
    } finally {
      await md.dispose();
    }
  }, 120_000);

  it('the counters live under REDIS_KEY_PREFIX and expire with their window', async () => {
    await get(bob.apiKey, from('203.0.113.5'));
    const redis = createRedis(system.config.redis, createLogger({ name: 'test', level: 'silent' }));
    try {
      expect(system.config.redis.keyPrefix).not.toBe('');
      const keyTtl = await redis.pttl(`ratelimit:{key:${bob.keyId}}:req`);
      const addressTtl = await redis.pttl('ratelimit:{addr:203.0.113.5}:req');
      const authTtl = await redis.pttl('ratelimit:{addr:198.51.100.9}:authfail');
      expect(keyTtl).toBeGreaterThan(0);
      expect(keyTtl).toBeLessThanOrEqual(1_000);
      expect(addressTtl).toBeGreaterThan(0);
      expect(addressTtl).toBeLessThanOrEqual(1_000);
      expect(authTtl).toBeGreaterThan(0);
      expect(authTtl).toBeLessThanOrEqual(60_000);
    } finally {
      redis.disconnect();
    }
  }, 30_000);
});

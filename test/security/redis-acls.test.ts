import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pricesRedisKey, positionsRedisKey } from '../../domain/market-events';
import { loadConfig } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import { RedisApiKeyRevocations } from '../../infra/redis/api-key-revocations';
import { createRedis } from '../../infra/redis/client';
import { RedisIdempotencyStore } from '../../infra/redis/idempotency-store';
import { RedisPendingOrderCache } from '../../infra/redis/pending-order-cache';
import { RedisPositionMirror } from '../../infra/redis/position-mirror';
import { RedisRateCounters } from '../../infra/redis/rate-counters';
import { RedisHotSnapshots } from '../../market-data/hot-snapshots';
import { redisAccess, redisAccessString, REDIS_SERVICES, type RedisService } from '../../workers/redis-access';
import { eventually } from '../harness/processes';

/**
 * Per-process Redis users (ACL SETUSER with workers/redis-access.ts's rules, as ElastiCache RBAC users have them),
 * on the stack's real Redis, under a key prefix of this run: each process's own Redis code works under its user,
 * and what is not its own is refused (NOPERM), Lua scripts included. The users are removed afterwards.
 */
const logger = createLogger({ name: 'redis-acl-test', level: 'silent' });
const run = randomUUID().slice(0, 8);
const prefix = `acl-${run}:`;
const userOf = (service: RedisService | 'intruder') => `oms-${service}-${run}`;
const passwordOf = (service: RedisService | 'intruder') => `${service}-redis-password-${run}`;

describe('Redis users per process (ACLs, as ElastiCache RBAC users)', () => {
  const base = loadConfig({ REDIS_KEY_PREFIX: prefix });
  const access = redisAccess(base);
  const clients: Redis[] = [];
  let admin: Redis;
  /** A client logged in as the service's user, connected (PING answered). */
  const as = async (service: RedisService | 'intruder'): Promise<Redis> => {
    const config = loadConfig({ REDIS_KEY_PREFIX: prefix, REDIS_USERNAME: userOf(service), REDIS_PASSWORD: passwordOf(service) });
    const client = createRedis(config.redis, logger);
    clients.push(client);
    await client.ping();
    return client;
  };
  const refusal = (attempt: Promise<unknown>) => attempt.then(() => 'done', (error: Error) => error.message);

  beforeAll(async () => {
    admin = createRedis(loadConfig().redis, logger);
    for (const service of REDIS_SERVICES) {
      await admin.call('ACL', 'SETUSER', userOf(service), 'reset', `>${passwordOf(service)}`, ...redisAccessString(access[service]).split(' '));
    }
    // Someone with a password and no rights beyond connecting.
    await admin.call('ACL', 'SETUSER', userOf('intruder'), 'reset', 'on', `>${passwordOf('intruder')}`, '+ping', '+info');
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await admin.call('ACL', 'DELUSER', ...REDIS_SERVICES.map(userOf), userOf('intruder'));
    const leftover = await admin.keys(`${prefix}*`);
    if (leftover.length > 0) await admin.call('DEL', ...leftover);
    admin.disconnect();
  });

  it("runs the order API's own Redis code under its user: idempotency claims, rate counters, the pending orders, revocations", async () => {
    const api = await as('api');
    const idempotency = new RedisIdempotencyStore(api, { ttlSeconds: 60 });
    const begun = await idempotency.begin('acct', `k-${run}`, 'fingerprint');
    expect(begun.state).toBe('started');
    expect(await idempotency.complete('acct', `k-${run}`, (begun as { token: string }).token, { status: 202, body: { ok: true } })).toBe(true);
    expect((await new RedisRateCounters(api).hit('acct-1', [{ key: 'orders', windowMs: 1_000, increment: true }]))[0]).toMatchObject({ count: 1 });
    expect(await refusal(new RedisPendingOrderCache(api).get('o-none'))).toBe('done');
    const revocations = new RedisApiKeyRevocations(api, await as('api'), logger);
    const heard: string[] = [];
    await revocations.listen({ onRevoked: (keyId) => heard.push(keyId), onResubscribed: () => undefined });
    await revocations.publish('key-1');
    await eventually('the revocation heard', async () => (heard.includes('key-1') ? true : undefined), 5_000, 20);
  });

  it('runs the risk engine\'s own Redis code under its user: the positions mirror (a script that writes and publishes), the price seed read', async () => {
    const risk = await as('risk');
    const record = { accountId: 'acct-r', symbol: 'BTC-USD', quantity: '1', averageEntryPrice: '100', realizedPnl: '0', version: 1, updatedAt: new Date().toISOString() };
    await new RedisPositionMirror(risk).mirror([record]);
    expect(await risk.hgetall(positionsRedisKey('acct-r'))).toEqual({ 'BTC-USD': JSON.stringify(record) });
    expect(await risk.mget(pricesRedisKey('BTC-USD'))).toEqual([null]);
  });

  it('runs market data\'s own Redis code under its user: the latest prices, its hot snapshots, the positions it reads and hears', async () => {
    const marketData = await as('market-data');
    await marketData.set(pricesRedisKey('BTC-USD'), '{"price":"100"}');
    const snapshots = new RedisHotSnapshots(marketData, base.marketData.redisPrefix, logger);
    await snapshots.save('BTC-USD', { state: { book: null, ticker: null, trades: [] }, buckets: [], evicted: [] });
    expect(await refusal(snapshots.load('BTC-USD'))).toBe('done');
    expect(await marketData.hgetall(positionsRedisKey('acct-r'))).toMatchObject({ 'BTC-USD': expect.any(String) });
    const listener = await as('market-data');
    const heard: string[] = [];
    listener.on('pmessage', (_pattern: string, channel: string) => heard.push(channel));
    await listener.psubscribe(`${prefix}positions:*`);
    await new RedisPositionMirror(await as('risk')).mirror([{ accountId: 'acct-r', symbol: 'BTC-USD', quantity: '2', averageEntryPrice: '100', realizedPnl: '0', version: 2, updatedAt: new Date().toISOString() }]);
    await eventually('the position heard', async () => (heard.includes(`${prefix}positions:acct-r`) ? true : undefined), 5_000, 20);
  });

  it.each([
    ['api', 'writes the latest prices the risk engine seeds its marks from', (r: Redis) => r.set(pricesRedisKey('BTC-USD'), '{"price":"1"}')],
    ['api', 'writes a position', (r: Redis) => r.hset(positionsRedisKey('acct-r'), 'BTC-USD', '{}')],
    ['api', 'announces a symbol status', (r: Redis) => r.publish(`${prefix}symbols:status`, 'BTC-USD')],
    ['risk', 'writes the latest prices', (r: Redis) => r.set(pricesRedisKey('BTC-USD'), '{"price":"1"}')],
    ['risk', 'writes the latest prices from a Lua script', (r: Redis) => r.eval("return redis.call('SET', KEYS[1], 'x')", 1, pricesRedisKey('BTC-USD'))],
    ['risk', "touches the order API's idempotency records", (r: Redis) => r.del('idempotency:acct:k')],
    ['market-data', 'writes a position', (r: Redis) => r.hset(positionsRedisKey('acct-r'), 'BTC-USD', '{}')],
    ['market-data', "touches the order API's idempotency records", (r: Redis) => r.get('idempotency:acct:k')],
    ['market-data', 'announces a symbol status', (r: Redis) => r.publish(`${prefix}symbols:status`, 'BTC-USD')],
    ['api', 'lists every key', (r: Redis) => r.keys('*')],
    ['risk', 'flushes the database', (r: Redis) => r.flushall()],
    ['market-data', 'reads the configuration', (r: Redis) => r.config('GET', 'maxmemory')],
    ['intruder', 'reads anything at all', (r: Redis) => r.get(pricesRedisKey('BTC-USD'))],
  ] as const)('refuses %s that %s (NOPERM), and nothing changes', async (service, _what, attempt) => {
    const before = await admin.get(`${prefix}${pricesRedisKey('BTC-USD')}`);
    expect(await refusal(attempt(await as(service)))).toMatch(/NOPERM/);
    expect(await admin.get(`${prefix}${pricesRedisKey('BTC-USD')}`)).toBe(before);
  });
});

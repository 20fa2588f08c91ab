import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createRedis, withKeyPrefix, withoutKeyPrefix } from './client';
import { RedisIdempotencyStore } from './idempotency-store';

describe('RedisIdempotencyStore (real Redis)', () => {
  const redis = createRedis(loadConfig().redis, createLogger({ name: 'idempotency-test', level: 'silent' }));
  const prefix = `test-idempotency-${randomUUID()}:`;
  const store = new RedisIdempotencyStore(redis, { ttlSeconds: 86_400, prefix });
  const accepted = { status: 202, body: { orderId: 'o-1', status: 'NEW', quantity: '0.10000000000000000001' } };

  afterAll(async () => {
    const keys = await redis.keys(withKeyPrefix(redis, `${prefix}*`));
    if (keys.length > 0) await redis.del(...keys.map((key) => withoutKeyPrefix(redis, key)));
    await redis.quit();
  });

  const newKey = (): string => randomUUID();

  it('runs the first request, then replays its stored response to a repeat with the same body', async () => {
    const key = newKey();
    const first = await store.begin('acct-1', key, 'fp-1');
    if (first.state !== 'started') throw new Error(`expected started, got ${first.state}`);
    expect(await store.complete('acct-1', key, first.token, accepted)).toBe(true);
    expect(await store.begin('acct-1', key, 'fp-1')).toEqual({ state: 'completed', response: accepted });
    // The replay window is the full TTL from completion.
    const ttl = await redis.pttl(`${prefix}acct-1:${key}`);
    expect(ttl).toBeGreaterThan(86_390_000);
  });

  it('stores a body given already encoded (bodyJson) exactly as it stores the body', async () => {
    const key = newKey();
    const first = await store.begin('acct-1', key, 'fp-1');
    if (first.state !== 'started') throw new Error(`expected started, got ${first.state}`);
    expect(await store.complete('acct-1', key, first.token, { ...accepted, bodyJson: JSON.stringify(accepted.body) })).toBe(true);
    expect(await store.begin('acct-1', key, 'fp-1')).toEqual({ state: 'completed', response: accepted });
    expect(await redis.hget(`${prefix}acct-1:${key}`, 'response')).toBe(JSON.stringify(accepted));
  });

  it('answers mismatch for another body under the same key, in flight or completed', async () => {
    const key = newKey();
    const first = await store.begin('acct-1', key, 'fp-1');
    expect(await store.begin('acct-1', key, 'fp-2')).toEqual({ state: 'mismatch' });
    if (first.state !== 'started') throw new Error('expected started');
    await store.complete('acct-1', key, first.token, accepted);
    expect(await store.begin('acct-1', key, 'fp-2')).toEqual({ state: 'mismatch' });
  });

  it('answers in-flight to a repeat while the first request still runs', async () => {
    const key = newKey();
    expect((await store.begin('acct-1', key, 'fp-1')).state).toBe('started');
    expect(await store.begin('acct-1', key, 'fp-1')).toEqual({ state: 'in-flight' });
  });

  it('keeps keys of different accounts apart, even when ids contain ":"', async () => {
    const key = newKey();
    expect((await store.begin('acct-1', key, 'fp-1')).state).toBe('started');
    expect((await store.begin('acct-2', key, 'fp-1')).state).toBe('started');
    expect((await store.begin('a:b', `c:${key}`, 'fp-1')).state).toBe('started');
    expect((await store.begin('a', `b:c:${key}`, 'fp-1')).state).toBe('started');
  });

  it('abandon frees the key for a retry, but only for the request that holds it', async () => {
    const key = newKey();
    const first = await store.begin('acct-1', key, 'fp-1');
    if (first.state !== 'started') throw new Error('expected started');
    expect(await store.abandon('acct-1', key, 'someone-else')).toBe(false);
    expect(await store.abandon('acct-1', key, first.token)).toBe(true);
    // Nothing stored: the retry (even with another body) runs as a first request.
    const retry = await store.begin('acct-1', key, 'fp-2');
    expect(retry.state).toBe('started');
    expect(await store.complete('acct-1', key, first.token, accepted)).toBe(false);
    expect(await store.abandon('acct-1', key, first.token)).toBe(false);
  });

  it('never abandons a completed record', async () => {
    const key = newKey();
    const first = await store.begin('acct-1', key, 'fp-1');
    if (first.state !== 'started') throw new Error('expected started');
    await store.complete('acct-1', key, first.token, accepted);
    expect(await store.abandon('acct-1', key, first.token)).toBe(false);
    expect((await store.begin('acct-1', key, 'fp-1')).state).toBe('completed');
  });

  it('lets exactly one of 20 concurrent requests with one key start', async () => {
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.begin('acct-1', key, 'fp-1')));
    expect(results.filter((r) => r.state === 'started')).toHaveLength(1);
    expect(results.filter((r) => r.state === 'in-flight')).toHaveLength(19);
  });

  it('expires an in-flight record after its own short TTL, so a crashed request does not block the key', async () => {
    const shortLived = new RedisIdempotencyStore(redis, { ttlSeconds: 86_400, inFlightTtlSeconds: 0.3, prefix });
    const key = newKey();
    const crashed = await shortLived.begin('acct-1', key, 'fp-1');
    if (crashed.state !== 'started') throw new Error('expected started');
    expect(await redis.pttl(`${prefix}acct-1:${key}`)).toBeLessThanOrEqual(300);
    expect(await shortLived.begin('acct-1', key, 'fp-1')).toEqual({ state: 'in-flight' });
    await new Promise((resolve) => setTimeout(resolve, 450));
    const retry = await shortLived.begin('acct-1', key, 'fp-1');
    expect(retry.state).toBe('started');
    // The crashed request's late completion cannot overwrite the new claim.
    expect(await shortLived.complete('acct-1', key, crashed.token, accepted)).toBe(false);
  });

  it('reloads its scripts after Redis lost them (restart, failover)', async () => {
    await redis.script('FLUSH');
    expect((await store.begin('acct-1', newKey(), 'fp-1')).state).toBe('started');
  });
});

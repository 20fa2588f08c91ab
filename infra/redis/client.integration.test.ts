import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { positionsChannel, positionsRedisKey, pricesRedisKey, type PositionRecord } from '../../domain/market-events';
import { eventually } from '../../test/harness/processes';
import { loadConfig } from '../config';
import { RedisAnnouncements } from './announcements';
import { createRedis, whenReady, withKeyPrefix, withoutKeyPrefix } from './client';
import { RedisPositionMirror } from './position-mirror';

function capturingLogger(): { logger: pino.Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>) }), entries };
}

describe('createRedis (real Redis)', () => {
  it('talks to the stack Redis', async () => {
    const { logger } = capturingLogger();
    const redis = createRedis(loadConfig().redis, logger);
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await redis.quit();
    }
  });

  it('logs connection errors instead of throwing them, and fails commands after a few attempts', async () => {
    const { logger, entries } = capturingLogger();
    // Nothing listens on port 1.
    const redis = createRedis({ url: 'redis://127.0.0.1:1', keyPrefix: '' }, logger);
    try {
      await expect(redis.ping()).rejects.toThrow(/max retries per request/i);
      const errors = entries.filter((e) => e.msg === 'redis_error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatchObject({ component: 'redis', err: { code: 'ECONNREFUSED' } });
    } finally {
      redis.disconnect();
    }
  });

  it('keeps a subscription asked for while the connection is still connecting: announcements wait until it is ready', async () => {
    const { logger } = capturingLogger();
    const publisher = createRedis(loadConfig().redis, logger);
    const id = randomUUID().slice(0, 8);
    try {
      for (let round = 0; round < 5; round += 1) {
        const subscriber = createRedis(loadConfig().redis, logger);
        try {
          // The socket is connected, its ready check not answered yet: a SUBSCRIBE now would be written at once and lost.
          await new Promise((resolve) => subscriber.once('connect', resolve));
          const heard: string[] = [];
          const spec = { name: `announce-test-${id}-${round}`, field: 'id', pattern: /^[a-z0-9-]+$/, unreadableLog: 'unreadable', resubscribedLog: 'resubscribed' };
          const announcements = new RedisAnnouncements(spec, publisher, subscriber, logger);
          await announcements.listen({ onAnnounced: (value) => heard.push(value), onResubscribed: () => undefined });
          expect(await announcements.publish(`hello-${round}`)).toBe(1);
          await eventually(`announcement ${round}`, async () => heard.length >= 1, 5_000, 20);
          expect(heard).toEqual([`hello-${round}`]);
        } finally {
          subscriber.disconnect();
        }
      }
    } finally {
      await publisher.quit();
    }
  });

  it('whenReady gives up on a connection that is never ready', async () => {
    const { logger } = capturingLogger();
    const redis = createRedis({ url: 'redis://127.0.0.1:1', keyPrefix: '' }, logger);
    try {
      await expect(whenReady(redis, 300)).rejects.toThrow(/not ready within 300 ms/);
    } finally {
      redis.disconnect();
    }
  });

  it('whenReady answers at once for a ready connection and refuses a closed one', async () => {
    const { logger } = capturingLogger();
    const redis = createRedis(loadConfig().redis, logger);
    await whenReady(redis);
    expect(redis.status).toBe('ready');
    const ended = new Promise((resolve) => redis.once('end', resolve));
    await redis.quit();
    await ended;
    await expect(whenReady(redis)).rejects.toThrow(/closed/);
  });

  it('keeps the keys and channels of one key prefix (REDIS_KEY_PREFIX) from another', async () => {
    const { logger } = capturingLogger();
    const { url, keyPrefix: runPrefix } = loadConfig().redis;
    const id = randomUUID().slice(0, 8);
    const mine = { keyPrefix: `${runPrefix}mine-${id}:` };
    const other = { keyPrefix: `${runPrefix}other-${id}:` };
    const clients = [mine, other].map((slice) => ({ ...slice, redis: createRedis({ url, ...slice }, logger), subscriber: createRedis({ url, ...slice }, logger), heard: [] as string[] }));
    const [a, b] = clients as [(typeof clients)[number], (typeof clients)[number]];
    const bare = createRedis({ url, keyPrefix: '' }, logger);
    const accountId = `acct-${id}`;
    try {
      await a.redis.set(pricesRedisKey('BTC-USD'), 'mine');
      expect(await b.redis.get(pricesRedisKey('BTC-USD'))).toBeNull();
      expect(await bare.get(`${mine.keyPrefix}prices:BTC-USD`)).toBe('mine');

      // The position mirror's hash and channel (the market data service listens to positions:* under its prefix).
      for (const client of clients) {
        client.subscriber.on('pmessage', (_pattern: string, channel: string) => client.heard.push(withoutKeyPrefix(client.subscriber, channel)));
        await whenReady(client.subscriber);
        await client.subscriber.psubscribe(withKeyPrefix(client.subscriber, 'positions:*'));
      }
      const record: PositionRecord = { accountId, symbol: 'BTC-USD', quantity: '1', averageEntryPrice: '100', realizedPnl: '0', version: 1, updatedAt: new Date().toISOString() };
      await new RedisPositionMirror(a.redis).mirror([record]);
      expect(Object.keys(await a.redis.hgetall(positionsRedisKey(accountId)))).toEqual(['BTC-USD']);
      expect(await b.redis.hgetall(positionsRedisKey(accountId))).toEqual({});
      await eventually('the mirror to announce the position', async () => a.heard.length > 0, 5_000, 20);
      // One publish reaches every subscriber of a matching pattern at once: give the other one a moment more.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(a.heard).toEqual([positionsChannel(accountId)]);
      expect(b.heard).toEqual([]);
    } finally {
      await a.redis.del(pricesRedisKey('BTC-USD'), positionsRedisKey(accountId));
      for (const client of clients) {
        client.redis.disconnect();
        client.subscriber.disconnect();
      }
      bare.disconnect();
    }
  });
});

// The ingest benchmark's floor: the I/O an accepted order cannot do without, through the order API's own clients and
// stores, and nothing else. Per request: the idempotency claim (one Redis round trip, RedisIdempotencyStore.begin),
// OrderCreated through the API's publisher (idempotent producer, acks = all, concurrent requests batched), the stored
// answer and the order for early GETs (one Redis round trip, pipelined), then 202 with the answer. No API key, body
// validation, rate limits, hashing, logging or metrics: an order API cannot answer faster than this on the machine, so
// its rate says how much of the bare handler's rate is reachable at all.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../infra/config';
import { createKafka } from '../infra/kafka/client';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { createLogger } from '../infra/logger';
import { createRedis } from '../infra/redis/client';
import { RedisIdempotencyStore } from '../infra/redis/idempotency-store';
import { RedisPendingOrderCache } from '../infra/redis/pending-order-cache';
import type { OrderSnapshot } from '../domain/order-snapshot';

const TTL_SECONDS = 600;

async function main(): Promise<void> {
  const port = Number(process.env.FLOOR_PORT);
  const topic = process.env.FLOOR_TOPIC;
  if (!(port > 0) || topic === undefined) throw new Error('FLOOR_PORT and FLOOR_TOPIC are required');
  const config = loadConfig();
  const logger = createLogger({ name: 'bench-floor', level: 'warn' });
  const redis = createRedis(config.redis, logger);
  const publisher = new KafkaEventPublisher(createKafka(config.kafka, logger), logger);
  await publisher.start();
  const idempotency = new RedisIdempotencyStore(redis, { ttlSeconds: TTL_SECONDS });
  const pending = new RedisPendingOrderCache(redis);

  const app = new Hono();
  app.post('/api/orders', async (c) => {
    const body = await c.req.text();
    const key = c.req.header('idempotency-key') ?? randomUUID();
    const begun = await idempotency.begin('bench-floor', key, key);
    if (begun.state !== 'started') return c.json({ code: 'IDEMPOTENCY_KEY_IN_FLIGHT' }, 409);
    const orderId = randomUUID();
    const createdAt = new Date().toISOString();
    // The size of the API's order snapshot and view; what is in them does not matter here.
    const snapshotJson = `{"orderId":"${orderId}","accountId":"bench-floor","createdAt":"${createdAt}","request":${body}}`;
    const viewJson = `{"orderId":"${orderId}","status":"NEW","version":1,"createdAt":"${createdAt}","request":${body}}`;
    await publisher.publish(topic, [{ key: orderId, value: `{"eventType":"OrderCreated","orderId":"${orderId}","order":${snapshotJson}}` }]);
    await Promise.all([
      pending.put({ orderId, accountId: 'bench-floor' } as OrderSnapshot, TTL_SECONDS, snapshotJson),
      idempotency.complete('bench-floor', key, begun.token, { status: 202, body: viewJson, bodyJson: viewJson }),
    ]);
    return c.body(viewJson, 202, { 'Content-Type': 'application/json' });
  });
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => console.log(`floor.ready http://127.0.0.1:${info.port}`));
  process.on('SIGTERM', () => {
    void publisher.stop().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

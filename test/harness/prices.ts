import { randomUUID } from 'node:crypto';
import { pricesRedisKey, type PriceUpdate } from '../../domain/market-events';
import { loadConfig } from '../../infra/config';
import { createKafka } from '../../infra/kafka/client';
import { KafkaEventPublisher } from '../../infra/kafka/event-publisher';
import { createLogger } from '../../infra/logger';
import { createRedis } from '../../infra/redis/client';

let lastVersion = 0;

/**
 * A PriceUpdate as the market data service publishes it, now. Its version is seeded from the clock in
 * microseconds, as the service's are, so it is above every earlier one of this process and of the service.
 */
export function priceUpdate(symbol: string, mark: string, extra: Partial<PriceUpdate> = {}): PriceUpdate {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1_000);
  return {
    eventId: `test-price-${randomUUID()}`,
    eventType: 'PriceUpdate',
    occurredAt: new Date().toISOString(),
    version: lastVersion,
    symbol,
    last: mark,
    bid: null,
    ask: null,
    mark,
    ...extra,
  };
}

const silent = () => createLogger({ name: 'test-prices', level: 'silent' });

/** Publishes a mark the way the market data service does: the latest in Redis `prices:<SYMBOL>`, then on Kafka `prices` (key symbol). */
export async function publishPrice(symbol: string, mark: string): Promise<PriceUpdate> {
  const update = priceUpdate(symbol, mark);
  const config = loadConfig();
  const redis = createRedis(config.redis, silent());
  try {
    await redis.set(pricesRedisKey(symbol), JSON.stringify(update));
  } finally {
    await redis.quit();
  }
  const publisher = new KafkaEventPublisher(createKafka(config.kafka, silent()), silent());
  await publisher.start();
  try {
    await publisher.publish(config.kafka.topics.prices, [{ key: symbol, value: JSON.stringify(update) }]);
  } finally {
    await publisher.stop();
  }
  return update;
}

/** Forgets the marks earlier tests (or a market data service) left in Redis, so a risk engine started next knows none. */
export async function clearPrices(symbols: readonly string[]): Promise<void> {
  const redis = createRedis(loadConfig().redis, silent());
  try {
    await redis.del(...symbols.map(pricesRedisKey));
  } finally {
    await redis.quit();
  }
}

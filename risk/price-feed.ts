import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as v from 'valibot';
import { PriceUpdateSchema, pricesRedisKey } from '../domain/market-events';
import type { SymbolRegistry } from '../domain/symbols';
import { parseMessage, PoisonMessageError, startConsumer, type RunningConsumer } from '../infra/kafka/consumer';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import { dlqTopic } from '../infra/kafka/topics';
import type { Logger } from '../infra/logger';
import type { PriceBook } from './price-book';

export interface PriceFeedDeps {
  kafka: Kafka;
  /** The `prices` topic's name and the prefix of the feed's consumer group (config.kafka.topics.prices, config.kafka.prefix). */
  pricesTopic: string;
  kafkaPrefix: string;
  /** For dead-lettering poison messages to `prices.dlq`. */
  publisher: EventPublisher;
  redis: Redis;
  logger: Logger;
  book: PriceBook;
  symbols: SymbolRegistry;
  /** The consumer should never die; if kafkajs gives up on it, the process should exit (and be restarted). */
  onFatal?: (error: Error) => void;
}

/** Every risk process's price-feed group starts with this (its Kafka user holds READ on the prefix). */
export function priceFeedGroupPrefix(kafkaPrefix: string): string {
  return `${kafkaPrefix}risk-prices-`;
}

/**
 * Feeds the price book: every risk process needs every symbol's mark, so each one reads all of `prices` in a
 * consumer group of its own, from the end, committing nothing. Once that consumer has fixed its start
 * offsets, the latest PriceUpdate of each symbol is read from Redis `prices:<SYMBOL>`, so a (re)started
 * process knows the prices at once; versions make the order of the two sources irrelevant.
 */
export async function startPriceFeed(deps: PriceFeedDeps): Promise<RunningConsumer> {
  const logger = deps.logger.child({ component: 'price-feed' });
  const groupId = `${priceFeedGroupPrefix(deps.kafkaPrefix)}${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const consumer = await startConsumer({
    kafka: deps.kafka,
    groupId,
    topic: deps.pricesTopic,
    dlqTopic: dlqTopic(deps.pricesTopic),
    publisher: deps.publisher,
    logger,
    fromBeginning: false,
    commitOffsets: false,
    awaitFirstFetch: true,
    ...(deps.onFatal === undefined ? {} : { onFatal: deps.onFatal }),
    handle: async (message) => {
      const update = parseMessage(PriceUpdateSchema, message.value);
      const outcome = deps.book.apply(update);
      if (outcome === 'invalid') throw new PoisonMessageError(`PriceUpdate ${update.eventId}: the mark must be positive`, { mark: update.mark });
      logger.debug({ symbol: update.symbol, version: update.version, mark: update.mark, outcome }, 'risk.price_update');
    },
  });
  const seeded = await seedFromRedis(deps, logger);
  logger.info({ groupId, seeded }, 'risk.price_feed_started');
  return consumer;
}

/** Applies the PriceUpdate kept in Redis for each symbol; Redis being down or a bad value costs that price only. */
async function seedFromRedis(deps: PriceFeedDeps, logger: Logger): Promise<string[]> {
  const symbols = deps.symbols.list().map((spec) => spec.symbol);
  if (symbols.length === 0) return [];
  let values: Array<string | null>;
  try {
    values = await deps.redis.mget(symbols.map(pricesRedisKey));
  } catch (error) {
    logger.warn({ err: error }, 'risk.price_seed_failed');
    return [];
  }
  const seeded: string[] = [];
  symbols.forEach((symbol, i) => {
    const value = values[i];
    if (value === null || value === undefined) return;
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      json = undefined;
    }
    const parsed = v.safeParse(PriceUpdateSchema, json);
    if (!parsed.success || parsed.output.symbol !== symbol) {
      logger.warn({ symbol, key: pricesRedisKey(symbol) }, 'risk.price_seed_invalid');
      return;
    }
    if (deps.book.apply(parsed.output) === 'applied') seeded.push(symbol);
  });
  return seeded;
}

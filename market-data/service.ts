import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { ExecutionReportSchema } from '../domain/events';
import { pricesRedisKey } from '../domain/market-events';
import type { SymbolRegistry } from '../domain/symbols';
import { PriceFeedEventSchema } from '../domain/venue-events';
import type { ServiceEndpoint } from '../infra/http/http-json';
import { parseMessage, PoisonMessageError, startConsumer, type RunningConsumer } from '../infra/kafka/consumer';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import { dlqTopic, type KafkaTopics } from '../infra/kafka/topics';
import type { Logger } from '../infra/logger';
import { whenReady, withKeyPrefix, withoutKeyPrefix } from '../infra/redis/client';
import { ensureCandleIndexes, MongoCandleStore } from '../infra/mongo/candle-store';
import { MongoOrderStore } from '../infra/mongo/order-store';
import { createMarketDataApp, type MarketDataApp } from './app';
import { backfillCandles } from './backfill';
import { BookResync } from './book-resync';
import type { BookSnapshot } from './book-sync';
import { candleFromRecord } from './candle-records';
import { CandleWrites } from './candle-writes';
import { CANDLE_INTERVALS, type Candle, type CandleInterval } from './candles';
import type { ChannelSink, ChannelSource, PublicChannel } from './channels';
import { RedisHotSnapshots } from './hot-snapshots';
import { KeyedThrottle } from './keyed-throttle';
import { MarketState } from './market-state';
import { priceUpdate, PriceVersions, sameQuote, type Quote } from './prices';
import { PrivateFeed } from './private-feed';
import { fetchVenueBook } from './venue-books';

export interface MarketDataSettings {
  /** The venue's HTTP API (its book, for resyncs), reached with this process's signed calls. */
  venue: ServiceEndpoint;
  /** Reads `priceFeeds` and `executions`, publishes `prices` (config.kafka.topics). */
  topics: Pick<KafkaTopics, 'priceFeeds' | 'executions' | 'prices'>;
  feedGroupId: string;
  executionsGroupId: string;
  redisPrefix: string;
  throttleMs: number;
  backfill: { dir: string; files: readonly string[]; symbol: string };
  /** The Host names the REST routes answer to (config.http.allowedHosts); defaults to localhost. */
  allowedHosts?: readonly string[];
  /** The per-address rate limit of the REST routes (infra/http/rate-limit.ts addressRateLimit); none when not given. */
  rateLimit?: MiddlewareHandler;
  /** Recent trades per symbol (REST limit and the trades channel snapshot). Default 500. */
  tradesKept?: number;
}

export interface MarketDataDeps {
  logger: Logger;
  symbols: SymbolRegistry;
  kafka: Kafka;
  publisher: EventPublisher;
  redis: Redis;
  /** A connection of its own for the positions subscription (a subscribed connection can run nothing else). */
  subscriber: Redis;
  db: Db;
  settings: MarketDataSettings;
  readiness: Record<string, () => Promise<void>>;
  clock?: () => number;
  /** Where the venue's book comes from; the venue's HTTP API by default. */
  fetchBook?: (symbol: string) => Promise<BookSnapshot & { truncated?: boolean }>;
  /** Called when a Kafka consumer has died for good: the process should exit. */
  onFatal?: (error: Error) => void;
}

export interface MarketDataService {
  app: MarketDataApp;
  /** What the WebSocket hub asks for a new subscriber's first message. */
  state: ChannelSource;
  /** Where updates go (the WebSocket hub); until one is set they go nowhere. */
  setSink(sink: ChannelSink | undefined): void;
  /** Backfills candle history and restores the hot snapshots and recent candles: after it, the service can serve. */
  restore(): Promise<void>;
  /** Consumes the feeds and checks every book against the venue (restores first if that was not done). */
  start(): Promise<void>;
  /** Stops intake (consumers, subscription, snapshot fetches), then writes what is pending. Owned connections stay open. */
  stop(): Promise<void>;
  /** For tests and diagnostics. */
  market: MarketState;
  stats(): { snapshotsFetched: number; pricesPublished: number };
}

/** The whole-window refresh of tickers: the window slides even when nothing trades. */
const TICKER_REFRESH_MS = 60_000;

/**
 * The market data service, wired: the `price-feeds` consumer feeds the books, tickers, trades and candles (with
 * book snapshots from the venue on gaps), the `executions` consumer and the Redis positions subscription feed the
 * private channel, and per symbol (throttled) the ticker channel, the PriceUpdate on Kafka `prices` and Redis
 * `prices:<SYM>`, and the hot snapshot in Redis. Candles are written to the store (gathered, by the consumer's
 * flush) before a trade's offset is committed, so history survives a crash; tickers and recent trades survive
 * through the hot snapshot.
 */
export function createMarketDataService(deps: MarketDataDeps): MarketDataService {
  const { logger, settings } = deps;
  const clock = deps.clock ?? Date.now;
  const candleStore = new MongoCandleStore(deps.db);
  const hotSnapshots = new RedisHotSnapshots(deps.redis, settings.redisPrefix, logger);
  const versions = new PriceVersions(clock);
  const publishedQuotes = new Map<string, Quote>();
  const publishedTickers = new Map<string, string>();
  let pricesPublished = 0;

  /** Symbols whose hot snapshot is behind their state, and whether their trades (not only their book) moved. */
  const dirty = new Map<string, { trades: boolean }>();
  const retryTimers = new Set<NodeJS.Timeout>();
  const throttle = new KeyedThrottle(
    settings.throttleMs,
    (symbol) => flushSymbol(symbol),
    (symbol, error) => {
      logger.warn({ err: error, symbol }, 'market_data.flush_failed');
      // Always the latest value in the end: a failed write is tried again with whatever is newest by then.
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        throttle.touch(symbol);
      }, settings.throttleMs);
      retryTimers.add(timer);
    },
    clock,
  );

  const market = new MarketState({
    symbols: deps.symbols,
    clock,
    tradesKept: settings.tradesKept ?? 500,
    onChange: (symbol, what) => {
      dirty.set(symbol, { trades: what.trades || (dirty.get(symbol)?.trades ?? false) });
      throttle.touch(symbol);
    },
  });
  const privateFeed = new PrivateFeed({ orders: new MongoOrderStore(deps.db), redis: deps.redis, mark: (symbol) => market.mark(symbol), logger });

  const candleWrites = new CandleWrites((records) => candleStore.upsertLive(records));
  const resync = new BookResync({
    state: market,
    logger,
    fetch: deps.fetchBook ?? ((symbol) => fetchVenueBook(settings.venue, symbol)),
    onCandles: async (candles) => {
      candleWrites.add(candles);
      await candleWrites.flush();
    },
  });

  async function flushSymbol(symbol: string): Promise<void> {
    const snapshot = dirty.get(symbol);
    dirty.delete(symbol);
    const ticker = market.ticker(symbol);
    const { time: _time, ...tickerContent } = ticker;
    const tickerText = JSON.stringify(tickerContent);
    if (publishedTickers.get(symbol) !== tickerText) {
      publishedTickers.set(symbol, tickerText);
      market.publishTicker(symbol);
    }
    const hot = snapshot === undefined ? undefined : market.hotState(symbol);
    const results = await Promise.allSettled([publishPrice(symbol), hot === undefined ? Promise.resolve() : hotSnapshots.save(symbol, hot, { trades: snapshot?.trades ?? true })]);
    if (hot !== undefined && results[1].status === 'rejected') {
      market.hotStateNotSaved(symbol, hot.buckets);
      dirty.set(symbol, { trades: (snapshot?.trades ?? true) || (dirty.get(symbol)?.trades ?? false) });
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  async function publishPrice(symbol: string): Promise<void> {
    const quote = market.quote(symbol);
    if (sameQuote(publishedQuotes.get(symbol), quote)) return;
    const update = priceUpdate(symbol, quote, versions.next(symbol), new Date(clock()));
    if (update === undefined) return;
    const text = JSON.stringify(update);
    await Promise.all([deps.publisher.publish(settings.topics.prices, [{ key: symbol, value: text }]), deps.redis.set(pricesRedisKey(symbol), text)]);
    publishedQuotes.set(symbol, quote);
    pricesPublished += 1;
  }

  const handleFeed = async (value: string) => {
    const event = parseMessage(PriceFeedEventSchema, value);
    if (!market.has(event.symbol)) throw new PoisonMessageError(`unknown symbol ${event.symbol}`, { symbol: event.symbol, eventId: event.eventId });
    const outcome = market.applyFeedEvent(event);
    if (outcome.resync) {
      logger.info({ symbol: event.symbol, version: event.version, sequence: market.book(event.symbol, 0).sequence }, 'market_data.book_gap');
      resync.request(event.symbol);
    } else if (outcome.waiting) resync.nudge(event.symbol);
    // Written by the consumer's flush, before the offset is committed: a crash redelivers the trade, and the
    // store keeps the newest version of each candle.
    candleWrites.add(outcome.candles);
  };

  let restored: Promise<void> | undefined;
  let consumers: RunningConsumer[] = [];
  let tickerTimer: NodeJS.Timeout | undefined;
  let subscribed = false;
  // The channels carry the Redis key prefix (REDIS_KEY_PREFIX), which ioredis leaves to us for pub/sub.
  const positionsPattern = withKeyPrefix(deps.subscriber, 'positions:*');
  const onPositionMessage = (_pattern: string, channel: string, message: string) =>
    privateFeed.handlePositionMessage(withoutKeyPrefix(deps.subscriber, channel), message);

  const app = createMarketDataApp({
    logger,
    readiness: deps.readiness,
    state: market,
    symbols: deps.symbols,
    candles: candleStore,
    ...(settings.allowedHosts === undefined ? {} : { allowedHosts: settings.allowedHosts }),
    ...(settings.rateLimit === undefined ? {} : { rateLimit: settings.rateLimit }),
  });

  return {
    app,
    market,
    state: {
      snapshot: (channel: PublicChannel) => market.snapshot(channel),
      privateSnapshot: (accountId: string) => privateFeed.snapshot(accountId),
    },
    setSink(sink) {
      market.setSink(sink);
      privateFeed.setSink(sink);
    },
    stats: () => ({ snapshotsFetched: resync.fetched, pricesPublished }),

    restore() {
      restored ??= (async () => {
        await ensureCandleIndexes(deps.db);
        const { backfill } = settings;
        await backfillCandles({ store: candleStore, logger, dir: backfill.dir, files: backfill.files, symbol: backfill.symbol });
        for (const symbol of market.symbols) {
          const [hot, candles] = await Promise.all([hotSnapshots.load(symbol), recentCandles(candleStore, symbol)]);
          market.restore(symbol, hot, candles);
          logger.info({ symbol, book: hot?.book?.sequence ?? null, tickerVersion: hot?.ticker?.lastVersion ?? null, trades: hot?.trades.length ?? 0 }, 'market_data.restored');
        }
      })();
      return restored;
    },

    async start() {
      await this.restore();
      // The restored books are served at once; each is checked against the venue in the background.
      for (const symbol of market.symbols) resync.request(symbol);

      deps.subscriber.on('pmessage', onPositionMessage);
      // Not before the connection is ready: a subscription made while it connects is lost (client.ts whenReady).
      await whenReady(deps.subscriber);
      await deps.subscriber.psubscribe(positionsPattern);
      subscribed = true;
      const consume = (groupId: string, topic: string, handle: (value: string) => Promise<void>, flush?: () => Promise<void>) =>
        startConsumer({
          kafka: deps.kafka,
          groupId,
          topic,
          dlqTopic: dlqTopic(topic),
          publisher: deps.publisher,
          logger,
          // Market data is about now: a new group starts at the end; an existing one resumes where it was.
          fromBeginning: false,
          ...(deps.onFatal === undefined ? {} : { onFatal: deps.onFatal }),
          ...(flush === undefined ? {} : { flush }),
          handle: (message) => handle(message.value),
        });
      consumers.push(await consume(settings.feedGroupId, settings.topics.priceFeeds, handleFeed, () => candleWrites.flush()));
      consumers.push(
        await consume(settings.executionsGroupId, settings.topics.executions, async (value) => {
          privateFeed.handleExecution(parseMessage(ExecutionReportSchema, value));
        }),
      );
      tickerTimer = setInterval(() => {
        for (const symbol of market.symbols) throttle.touch(symbol);
      }, TICKER_REFRESH_MS);
    },

    async stop() {
      if (tickerTimer !== undefined) clearInterval(tickerTimer);
      await Promise.all(consumers.map((c) => c.stop()));
      consumers = [];
      if (subscribed) {
        await deps.subscriber.punsubscribe(positionsPattern).catch((error: unknown) => logger.warn({ err: error }, 'market_data.unsubscribe_failed'));
        deps.subscriber.off('pmessage', onPositionMessage);
        subscribed = false;
      }
      await resync.stop();
      await candleWrites.flush().catch((error: unknown) => logger.error({ err: error, candles: candleWrites.size }, 'market_data.candle_write_failed'));
      for (const timer of retryTimers) clearTimeout(timer);
      // The last hot snapshot and price of every symbol that changed, so a restart starts from here.
      for (const symbol of dirty.keys()) throttle.touch(symbol);
      await throttle.flushAndStop();
    },
  };
}

async function recentCandles(store: MongoCandleStore, symbol: string): Promise<Record<CandleInterval, Candle[]>> {
  const entries = await Promise.all(
    CANDLE_INTERVALS.map(async (interval) => [interval, (await store.find({ symbol, interval, limit: 200, newest: true })).map(candleFromRecord)] as const),
  );
  return Object.fromEntries(entries) as Record<CandleInterval, Candle[]>;
}

import { serve } from '@hono/node-server';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { createInternalSigner } from '../infra/http/internal-auth';
import { ConfigError, internalCallerSecrets, internalSigningSecrets, loadConfig } from '../infra/config';
import { VenueClient } from '../infra/http/venue-client';
import { createKafka } from '../infra/kafka/client';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { createLogger } from '../infra/logger';
import { initProcessMetrics } from '../infra/metrics/registry';
import { MongoAccountStore } from '../infra/mongo/account-store';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { createRedis } from '../infra/redis/client';
import { RedisPositionMirror } from '../infra/redis/position-mirror';
import { createRiskApp } from '../risk/app';
import { ensureVenueHouseAccounts } from '../risk/house-accounts';
import { PriceBook } from '../risk/price-book';
import { startPriceFeed } from '../risk/price-feed';
import { startTracing } from '../infra/telemetry/tracing';
import { startSymbolStatus } from '../risk/symbol-status';
import { MongoSymbolStatusStore } from '../infra/mongo/symbol-status-store';
import { RedisSymbolStatusUpdates } from '../infra/redis/symbol-status-updates';
import { onShutdownSignal } from './shutdown';

/** The risk engine process. */
async function main(): Promise<void> {
  const config = loadConfig();
  // First, so everything the process does from here on can be traced (README "Traces").
  startTracing(config.telemetry, 'crypto-oms-risk');
  // Before anything connects: a production process without its secrets stops here.
  const signer = createInternalSigner({ caller: 'risk', secrets: internalSigningSecrets(config, 'risk') });
  const callers = internalCallerSecrets(config);
  const logger = createLogger({ name: 'risk', level: config.logLevel });
  initProcessMetrics('risk');
  const symbols = new SymbolRegistry(DEFAULT_SYMBOLS);

  const mongo = await connectMongo(config.mongo);
  await ensureIndexes(mongo.db);
  const accounts = new MongoAccountStore(mongo.db);
  await ensureVenueHouseAccounts(accounts);
  // Fills settled before they had their own collection leave the account documents (idempotent; a no-op once done).
  const migrated = await accounts.migrateFillsOut();
  if (migrated > 0) logger.info({ migrated }, 'risk.fills_migrated');

  const redis = createRedis(config.redis, logger);
  const kafka = createKafka(config.kafka, logger);
  const publisher = new KafkaEventPublisher(kafka, logger);
  await publisher.start();
  // Prices before serving: once ready, the engine knows every mark Redis or Kafka has.
  const prices = new PriceBook({ symbols, maxAgeMs: config.risk.priceMaxAgeSeconds * 1_000 });
  const feed = await startPriceFeed({
    kafka,
    pricesTopic: config.kafka.topics.prices,
    kafkaPrefix: config.kafka.prefix,
    publisher,
    redis,
    logger,
    book: prices,
    symbols,
    onFatal: (error) => {
      logger.fatal({ err: error }, 'risk.price_feed_dead');
      process.exit(1);
    },
  });

  // Halts an admin set at runtime: loaded from the store, kept current by announcements (its own Redis connection).
  const statusSubscriber = createRedis(config.redis, logger);
  const symbolStatus = await startSymbolStatus({
    symbols,
    store: new MongoSymbolStatusStore(mongo.db),
    channel: new RedisSymbolStatusUpdates(redis, statusSubscriber, logger),
    logger,
  });

  const app = createRiskApp({
    logger,
    symbolStatus: symbolStatus.book,
    announceSymbolStatus: symbolStatus.announce,
    accounts,
    symbols,
    prices,
    positionMirror: new RedisPositionMirror(redis),
    // Only the venue knows whether an order can still fill: a release asks it first.
    venueOrders: new VenueClient({ url: config.venue.url, signer }),
    maxBodyBytes: config.api.maxBodyBytes,
    internalAuth: { callers },
    allowedHosts: config.http.allowedHosts,
    // Redis and Kafka are not probed: without them the engine still settles (positions are mirrored later)
    // and refuses MARKET orders once its marks are too old, which is the safe answer.
    readiness: {
      mongo: async () => {
        await mongo.db.command({ ping: 1 });
      },
    },
  });

  // Its own host setting (RISK_HOST), loopback by default: only the system's processes have business here.
  const host = config.risk.host;
  const server = serve({ fetch: app.fetch, hostname: host, port: config.risk.port }, (info) => {
    logger.info({ url: `http://${host}:${info.port}` }, 'risk.ready');
  });

  onShutdownSignal(logger, async () => {
    // Stop accepting connections and let in-flight requests finish, then stop the feed and close the clients.
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await feed.stop();
    await symbolStatus.close();
    statusSubscriber.disconnect();
    await publisher.stop();
    await redis.quit();
    await mongo.client.close();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `risk: ${error.message}` : error);
  process.exit(1);
});

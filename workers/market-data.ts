import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { apiKeyHashing, ConfigError, internalSigningSecrets, loadConfig, marketDataDir } from '../infra/config';
import { createInternalSigner } from '../infra/http/internal-auth';
import { createKafka, pingKafka } from '../infra/kafka/client';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { createLogger } from '../infra/logger';
import { initProcessMetrics } from '../infra/metrics/registry';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { createRedis } from '../infra/redis/client';
import { addressRateLimit, RateLimitChecker } from '../infra/http/rate-limit';
import { RedisRateCounters } from '../infra/redis/rate-counters';
import { createMarketDataService } from '../market-data/service';
import { attachMarketDataWebSocket, type MarketDataWebSocket } from '../market-data/ws/server';
import { openApiKeys } from './api-keys';
import { startTracing } from '../infra/telemetry/tracing';
import { onShutdownSignal } from './shutdown';

/**
 * The market data process: candle history, hot snapshots, then the feeds; REST on MARKET_DATA_PORT (the WebSocket
 * hub attaches to the same server through the service's setSink and state).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // First, so everything the process does from here on can be traced (README "Traces").
  startTracing(config.telemetry, 'crypto-oms-market-data');
  // Before anything connects: a production process without its pepper stops here.
  apiKeyHashing(config);
  const signer = createInternalSigner({ caller: 'market-data', secrets: internalSigningSecrets(config, 'market-data') });
  const logger = createLogger({ name: 'market-data', level: config.logLevel });
  initProcessMetrics('market-data');
  const { marketData } = config;

  const mongo = await connectMongo(config.mongo);
  await ensureIndexes(mongo.db);
  const redis = createRedis(config.redis, logger);
  const subscriber = createRedis(config.redis, logger);
  // API keys as the order API checks them (refused in production while a demo key is stored); a revoked key's
  // sessions are closed (the WebSocket server is attached below, before any client can connect).
  const sessions: { ws?: MarketDataWebSocket } = {};
  const apiKeys = await openApiKeys(config, mongo.db, redis, logger, {
    onRevoked: (keyId) => sessions.ws?.revokeKey(keyId),
    onResubscribed: () => sessions.ws?.recheckSessions(),
  });
  const kafka = createKafka(config.kafka, logger);
  const publisher = new KafkaEventPublisher(kafka, logger);
  await publisher.start();

  const symbols = new SymbolRegistry(DEFAULT_SYMBOLS);
  const service = createMarketDataService({
    logger,
    symbols,
    kafka,
    publisher,
    redis,
    subscriber,
    db: mongo.db,
    settings: {
      venue: { url: config.venue.url, signer },
      allowedHosts: config.http.allowedHosts,
      ...(config.rateLimits.enabled
        ? {
            rateLimit: addressRateLimit(new RateLimitChecker(new RedisRateCounters(redis), logger), {
              subject: 'md:addr',
              perSecond: config.rateLimits.addressPerSecond,
              trustedProxyHops: config.rateLimits.trustedProxyHops,
            }),
          }
        : {}),
      topics: config.kafka.topics,
      feedGroupId: marketData.feedGroupId,
      executionsGroupId: marketData.executionsGroupId,
      redisPrefix: marketData.redisPrefix,
      throttleMs: marketData.throttleMs,
      backfill: { dir: marketDataDir(marketData.dataDir, config.rootDir), files: marketData.backfillFiles, symbol: marketData.backfillSymbol },
    },
    readiness: {
      mongo: async () => {
        await mongo.db.command({ ping: 1 });
      },
      redis: async () => {
        await redis.ping();
      },
      kafka: () => pingKafka(kafka),
    },
    onFatal: (error) => {
      logger.fatal({ err: error }, 'market-data.consumer_dead');
      process.exit(1);
    },
  });
  // Serve what the hot snapshots hold as soon as they are loaded; the feeds catch up after.
  await service.restore();
  const server = serve({ fetch: service.app.fetch, hostname: marketData.host, port: marketData.port }) as Server;
  // The WebSocket server shares the HTTP port (upgrade on /ws/market-data); API keys as the order API checks them.
  const ws = attachMarketDataWebSocket(server, {
    source: service.state,
    authenticate: (apiKey) => apiKeys.cache.findKey(apiKey),
    symbols: symbols.list().map((spec) => spec.symbol),
    logger,
    limits: config.marketDataWs,
  });
  sessions.ws = ws;
  service.setSink(ws.sink);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const url = `http://${marketData.host}:${marketData.port}`;
  const wsUrl = `ws://${marketData.host}:${marketData.port}/ws/market-data`;
  logger.info({ url, wsUrl }, 'market-data.serving');
  await service.start();
  logger.info({ url, wsUrl, feedGroup: marketData.feedGroupId }, 'market-data.ready');

  onShutdownSignal(logger, async () => {
    // Stop intake (WebSocket clients get 1001, HTTP, consumers, subscription), write the last hot snapshots and prices, then close.
    await ws.close();
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await service.stop();
    await closed;
    logger.info(service.stats(), 'market-data.stopped');
    await publisher.stop();
    subscriber.disconnect();
    await apiKeys.close();
    await redis.quit();
    await mongo.client.close();
  });
}

main().catch((error: unknown) => {
  // A configuration refusal is said in one line; anything else with its stack.
  console.error(error instanceof ConfigError ? `market-data: ${error.message}` : error);
  process.exit(1);
});

import { serve } from '@hono/node-server';
import { isAbsolute, join } from 'node:path';
import { createApp } from '../api/app';
import { createInternalSigner } from '../infra/http/internal-auth';
import { RiskClient } from '../infra/http/risk-client';
import { MongoFillStore } from '../infra/mongo/fill-store';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { apiKeyHashing, ConfigError, internalSigningSecrets, loadConfig } from '../infra/config';
import { issuedApiKeyPrefix } from '../domain/api-key';
import { MongoAdminAuditStore } from '../infra/mongo/admin-audit-store';
import { createKafka, pingKafka } from '../infra/kafka/client';
import { deadLetterGroups, KafkaDeadLetterQueues } from '../infra/kafka/dead-letters';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { topicsByBaseName } from '../infra/kafka/topics';
import { createLogger } from '../infra/logger';
import { initProcessMetrics } from '../infra/metrics/registry';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { MongoOrderStore } from '../infra/mongo/order-store';
import { createRedis } from '../infra/redis/client';
import { RedisIdempotencyStore } from '../infra/redis/idempotency-store';
import { RedisPendingOrderCache } from '../infra/redis/pending-order-cache';
import { RedisRateCounters } from '../infra/redis/rate-counters';
import { RedisOrderAdmission } from '../infra/redis/order-admission';
import { createRateLimits } from '../api/rate-limit';
import { inProcessApiWorkflows, threadedApiWorkflows } from '../infra/temporal/api-workflows';
import { openApiKeys } from './api-keys';
import { startTracing } from '../infra/telemetry/tracing';
import { onShutdownSignal } from './shutdown';

/** The order API process. */
async function main(): Promise<void> {
  const config = loadConfig();
  // First, so everything the process does from here on can be traced (README "Traces").
  const tracing = startTracing(config.telemetry, 'crypto-oms-api');
  // Before anything connects: a production process without its pepper stops here.
  apiKeyHashing(config);
  const signer = createInternalSigner({ caller: 'api', secrets: internalSigningSecrets(config, 'api') });
  const logger = createLogger({ name: 'api', level: config.logLevel, asyncWrites: true });
  initProcessMetrics('api');

  // Every wait behind a request is bounded, so an outage answers 503 + Retry-After in seconds (infra/http/errors.ts).
  const bound = config.api.dependencyTimeoutMs;
  const mongo = await connectMongo(config.mongo, { serverSelectionTimeoutMs: bound });
  await ensureIndexes(mongo.db);
  const redis = createRedis(config.redis, logger, { commandTimeoutMs: bound });
  // Refuses to start in production while a demo key is stored; listens for revocations from every process.
  const apiKeys = await openApiKeys(config, mongo.db, redis, logger);
  const kafka = createKafka(config.kafka, logger);
  // Short send retries (about 2 s): with the broker gone a POST fails definitively, frees its Idempotency-Key and
  // answers 503 before API_PUBLISH_TIMEOUT_MS, which stays the backstop for a broker that hangs.
  const publisher = new KafkaEventPublisher(kafka, logger, { sendRetry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 } });
  await publisher.start();
  // The API's Temporal calls (cancel, reconcile, query) run in a thread of their own unless traced: the client's
  // AsyncLocalStorage would keep Node's promise hooks on for every request (infra/temporal/api-workflows.ts).
  const workflowSettings = { temporal: config.temporal, taskQueue: config.temporal.taskQueue, reconcile: config.temporal.reconcile, callDeadlineMs: bound };
  const workflows = tracing.enabled
    ? await inProcessApiWorkflows(workflowSettings)
    : await threadedApiWorkflows(workflowSettings, (error) => {
        logger.fatal({ err: error }, 'api.temporal_thread_lost');
        process.exit(1);
      });

  const orders = new MongoOrderStore(mongo.db);
  // One of each: the order admission counts and claims under the names the limits and the idempotency store use.
  const idempotency = new RedisIdempotencyStore(redis, { ttlSeconds: config.api.idempotencyTtlSeconds });
  const rateCounters = new RedisRateCounters(redis);
  const app = createApp({
    logger,
    orders,
    fills: new MongoFillStore(mongo.db),
    risk: new RiskClient({ url: config.risk.url, signer }, { timeoutMs: bound }),
    apiKeys: apiKeys.cache,
    admin: {
      keyStore: apiKeys.store,
      audit: new MongoAdminAuditStore(mongo.db),
      announceRevocation: apiKeys.announceRevocation,
      issuedKeyPrefix: issuedApiKeyPrefix(config.env),
      orderIndex: orders,
    },
    dlq: {
      deadLetters: new KafkaDeadLetterQueues(kafka, publisher, logger, { ...deadLetterGroups(config.kafka.prefix), boundMs: bound }),
      topics: topicsByBaseName(config.kafka.prefix),
    },
    idempotency,
    pendingOrders: new RedisPendingOrderCache(redis),
    publisher,
    ordersTopic: config.kafka.topics.orders,
    workflows,
    publishTimeoutMs: config.api.publishTimeoutMs,
    rateLimits: createRateLimits(rateCounters, config.rateLimits, logger, new RedisOrderAdmission(redis, rateCounters, idempotency)),
    symbols: new SymbolRegistry(DEFAULT_SYMBOLS),
    maxBodyBytes: config.api.maxBodyBytes,
    allowedHosts: config.http.allowedHosts,
    idempotencyTtlSeconds: config.api.idempotencyTtlSeconds,
    dashboard: {
      distDir: dashboardDir(config.dashboard.dir, config.rootDir),
      marketDataUrl: config.dashboard.marketDataUrl,
      wsUrl: config.dashboard.wsUrl,
      marketDataPort: config.marketData.port,
    },
    readiness: {
      mongo: async () => {
        await mongo.db.command({ ping: 1 });
      },
      redis: async () => {
        await redis.ping();
      },
      temporal: () => workflows.ping(),
      kafka: () => pingKafka(kafka),
    },
  });

  const server = serve({ fetch: app.fetch, hostname: config.api.host, port: config.api.port }, (info) => {
    logger.info({ url: `http://${config.api.host}:${info.port}` }, 'api.ready');
  });

  onShutdownSignal(logger, async () => {
    // Stop accepting connections and let in-flight requests finish, then close the clients.
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await publisher.stop();
    await workflows.close();
    await apiKeys.close();
    redis.disconnect();
    await mongo.client.close();
  });
}

/** DASHBOARD_DIR (relative to the repository), or web/dist where `npm start` builds the dashboard. */
function dashboardDir(dir: string | undefined, rootDir: string): string {
  if (dir === undefined) return join(rootDir, 'web', 'dist');
  return isAbsolute(dir) ? dir : join(rootDir, dir);
}

main().catch((error: unknown) => {
  // A configuration refusal is said in one line; anything else with its stack.
  console.error(error instanceof ConfigError ? `api: ${error.message}` : error);
  process.exit(1);
});

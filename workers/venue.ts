import { serve } from '@hono/node-server';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { ConfigError, internalCallerSecrets, loadConfig } from '../infra/config';
import { createKafka, pingKafka } from '../infra/kafka/client';
import { KafkaEventPublisher } from '../infra/kafka/event-publisher';
import { createLogger } from '../infra/logger';
import { initProcessMetrics } from '../infra/metrics/registry';
import { connectMongo } from '../infra/mongo/client';
import { ensureVenueIndexes, MongoVenueStore } from '../infra/mongo/venue-store';
import { createVenueApp } from '../venue/app';
import { loadVenueConfig } from '../venue/config';
import { observeVenue } from '../venue/metrics';
import { startLiquidityReplay } from '../venue/liquidity-replay';
import type { ReplayDriver } from '../venue/replay-driver';
import { Venue } from '../venue/venue';
import { startTracing } from '../infra/telemetry/tracing';
import { onShutdownSignal } from './shutdown';

/** The venue process: recover the books from Mongo, start the replay, then serve (see venue/venue.ts for the design). */
async function main(): Promise<void> {
  const config = loadConfig();
  // First, so everything the process does from here on can be traced (README "Traces").
  startTracing(config.telemetry, 'crypto-oms-venue');
  // Before anything connects: a production process without its callers' secrets stops here.
  const callers = internalCallerSecrets(config);
  const venueConfig = loadVenueConfig(process.env, { rootDir: config.rootDir });
  const logger = createLogger({ name: 'venue', level: config.logLevel });
  initProcessMetrics('venue');
  const symbols = new SymbolRegistry(DEFAULT_SYMBOLS);

  const mongo = await connectMongo(config.mongo);
  await ensureVenueIndexes(mongo.db);
  const store = new MongoVenueStore(mongo.db);
  const kafka = createKafka(config.kafka, logger);
  const publisher = new KafkaEventPublisher(kafka, logger);
  await publisher.start();

  const epoch = await store.nextRunEpoch();
  const venue = new Venue({ store, publisher, topics: config.kafka.topics, symbols, logger, epoch, keepFinalOrders: venueConfig.keepFinalOrders });
  const recovered = await venue.recover();
  observeVenue(venue);
  logger.info({ epoch, ...recovered }, 'venue.recovered');

  let replay: ReplayDriver | undefined;
  const replaySpec = symbols.get(venueConfig.replay.symbol);
  if (venueConfig.replay.enabled && replaySpec !== undefined) {
    const anchorMs = await store.replayAnchor(venueConfig.replay.file, Date.now());
    replay = await startLiquidityReplay({ config: venueConfig.replay, spec: replaySpec, venue, anchorMs, logger });
  }

  const app = createVenueApp({
    logger,
    venue,
    symbols,
    internalAuth: { callers },
    allowedHosts: config.http.allowedHosts,
    readiness: {
      mongo: async () => {
        await mongo.db.command({ ping: 1 });
      },
      kafka: () => pingKafka(kafka),
    },
  });
  const server = serve({ fetch: app.fetch, hostname: venueConfig.host, port: config.venue.port }, (info) => {
    logger.info({ url: `http://${venueConfig.host}:${info.port}`, replay: venueConfig.replay.enabled ? venueConfig.replay.file : 'off' }, 'venue.ready');
  });

  onShutdownSignal(logger, async () => {
    // Stop intake (the replay, then HTTP), let queued engine calls commit, publish what is committed, close.
    await replay?.stop();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await venue.stop();
    logger.info(venue.stats(), 'venue.stopped');
    await publisher.stop();
    await mongo.client.close();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `venue: ${error.message}` : error);
  process.exit(1);
});

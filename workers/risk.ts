import { serve } from '@hono/node-server';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { MongoAccountStore } from '../infra/mongo/account-store';
import { connectMongo, ensureIndexes } from '../infra/mongo/client';
import { createRiskApp } from '../risk/app';
import { ensureVenueHouseAccounts } from '../risk/house-accounts';
import { onShutdownSignal } from './shutdown';

/** The risk engine process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: 'risk', level: config.logLevel });

  const mongo = await connectMongo(config.mongo);
  await ensureIndexes(mongo.db);
  const accounts = new MongoAccountStore(mongo.db);
  await ensureVenueHouseAccounts(accounts);

  const app = createRiskApp({
    logger,
    accounts,
    symbols: new SymbolRegistry(DEFAULT_SYMBOLS),
    maxBodyBytes: config.api.maxBodyBytes,
    readiness: {
      mongo: async () => {
        await mongo.db.command({ ping: 1 });
      },
    },
  });

  // The config has no host of its own for this service: it binds where the order API does (loopback by default),
  // which suits an internal service without authentication.
  const host = config.api.host;
  const server = serve({ fetch: app.fetch, hostname: host, port: config.risk.port }, (info) => {
    logger.info({ url: `http://${host}:${info.port}` }, 'risk.ready');
  });

  onShutdownSignal(logger, async () => {
    // Stop accepting connections and let in-flight requests finish, then close the store.
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await mongo.client.close();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

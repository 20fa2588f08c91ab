import { ConfigError, loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { buildIndexes, connectMongo } from '../infra/mongo/client';

/**
 * One-shot job: builds the store's indexes (INDEXES in infra/mongo/client.ts) that it lacks, waits for each build, and
 * drops none. The Helm chart runs it as a pre-install/pre-upgrade hook, before the new version's pods start: on a large
 * store they would otherwise each wait at start-up for the build of an index the new version brings, while the
 * version before still serves. The indexes a version retired are dropped by its own processes at start-up
 * (ensureIndexes), once they run. Idempotent; logs build-indexes.done with what it created and what was there:
 *   node dist/workers/build-indexes.js
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: 'build-indexes', level: config.logLevel });
  // No bound on the wait for the store beyond the default: the job is retried by its controller.
  const mongo = await connectMongo(config.mongo);
  try {
    const started = Date.now();
    const build = await buildIndexes(mongo.db);
    logger.info({ db: config.mongo.db, created: build.created, existing: build.existing.length, ms: Date.now() - started }, 'build-indexes.done');
  } finally {
    await mongo.client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `build-indexes: ${error.message}` : error);
  process.exit(1);
});

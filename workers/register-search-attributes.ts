import { ConfigError, loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { openTemporalConnection } from '../infra/temporal/client';
import { registerOrderSearchAttributes } from '../infra/temporal/search-attributes';

/**
 * One-shot job: registers the order search attributes in TEMPORAL_NAMESPACE (idempotent). docker-compose.yml and the
 * Helm chart's hook run it before the worker starts workflows that set them:
 *   node dist/workers/register-search-attributes.js
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: 'register-search-attributes', level: config.logLevel });
  const connection = await openTemporalConnection(config.temporal);
  try {
    const added = await registerOrderSearchAttributes(connection, config.temporal.namespace);
    logger.info({ namespace: config.temporal.namespace, added }, 'register-search-attributes.done');
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `register-search-attributes: ${error.message}` : error);
  process.exit(1);
});

import { ConfigError, loadConfig } from '../infra/config';
import { createKafka } from '../infra/kafka/client';
import { allTopics, ensureTopics } from '../infra/kafka/topics';
import { createLogger } from '../infra/logger';

/**
 * One-shot job: creates the Kafka topics under KAFKA_PREFIX (and their .dlq twins) that the broker lacks, since the
 * brokers create none by themselves. docker-compose.yml and the Helm chart's hook run it before the services start:
 *   node dist/workers/create-topics.js
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: 'create-topics', level: config.logLevel });
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, config.kafka.topics, { replicationFactor: config.kafka.replicationFactor });
    logger.info({ created, topics: allTopics(config.kafka.topics) }, 'create-topics.done');
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `create-topics: ${error.message}` : error);
  process.exit(1);
});

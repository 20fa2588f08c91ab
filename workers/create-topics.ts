import { ConfigError, loadConfig } from '../infra/config';
import { applyKafkaAcls } from '../infra/kafka/acls';
import { createKafka } from '../infra/kafka/client';
import { allTopics, ensureTopics } from '../infra/kafka/topics';
import { createLogger } from '../infra/logger';
import { kafkaAccess, kafkaGrantsByUser, parseKafkaAclUsers } from './kafka-access';

/**
 * One-shot job: creates the Kafka topics under KAFKA_PREFIX (and their .dlq twins) that the broker lacks, since the
 * brokers create none by themselves; then, when KAFKA_ACL_USERS names each service's Kafka user, makes the broker's
 * ACLs for those users and for its own (the admin) exactly workers/kafka-access.ts. docker-compose.yml and the Helm
 * chart's hook run it before the services start:
 *   node dist/workers/create-topics.js
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const adminUser = config.kafka.sasl?.username;
  const users = parseKafkaAclUsers(process.env.KAFKA_ACL_USERS, adminUser);
  if (users === undefined && config.env === 'production' && adminUser !== undefined) {
    throw new ConfigError('KAFKA_ACL_USERS is required when OMS_ENV=production with Kafka users (KAFKA_SASL_MECHANISM): each service\'s own Kafka user, whose ACLs this job keeps');
  }
  if (users !== undefined && adminUser === undefined) throw new ConfigError('KAFKA_ACL_USERS needs KAFKA_SASL_MECHANISM and the admin user this job logs in as (ACLs name users)');
  const logger = createLogger({ name: 'create-topics', level: config.logLevel });
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, config.kafka.topics, { replicationFactor: config.kafka.replicationFactor });
    logger.info({ created, topics: allTopics(config.kafka.topics) }, 'create-topics.done');
    if (users === undefined || adminUser === undefined) {
      logger.info('create-topics.acls_not_managed');
      return;
    }
    const changes = await applyKafkaAcls(admin, kafkaGrantsByUser(kafkaAccess(config), users, adminUser));
    logger.info({ users, admin: adminUser, ...changes }, 'create-topics.acls_applied');
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `create-topics: ${error.message}` : error);
  process.exit(1);
});

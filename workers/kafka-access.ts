import * as v from 'valibot';
import { describeIssues, validationIssues } from '../domain/validation-issues';
import { ConfigError, type AppConfig } from '../infra/config';
import { CLUSTER_RESOURCE, type KafkaGrant } from '../infra/kafka/acls';
import { deadLetterGroups } from '../infra/kafka/dead-letters';
import { dlqTopic, REPLAYABLE_TOPICS, topicsByBaseName } from '../infra/kafka/topics';
import { priceFeedGroupPrefix } from '../risk/price-feed';
import { orderProcessorGroups } from './order-processor-group';

/** The processes that use Kafka, each under a Kafka user of its own (KAFKA_ACL_USERS names them). */
export const KAFKA_SERVICES = ['api', 'worker', 'risk', 'venue', 'market-data'] as const;
export type KafkaService = (typeof KAFKA_SERVICES)[number];

const topic = (name: string, ...operations: KafkaGrant['operations']): KafkaGrant => ({ resource: 'topic', name, pattern: 'literal', operations });
const group = (name: string): KafkaGrant => ({ resource: 'group', name, pattern: 'literal', operations: ['READ'] });
const groupsStartingWith = (prefix: string, ...operations: KafkaGrant['operations']): KafkaGrant => ({ resource: 'group', name: prefix, pattern: 'prefixed', operations });

/**
 * Who may do what on Kafka: each service reads the topics it consumes (in its own groups) and writes the topics it
 * produces and its consumers' dead-letter topics, nothing else (DESIGN.md, Contracts). So only the venue writes
 * `price-feeds`, only market data writes `prices`, and only the order API writes `orders`; `venue-reports` and
 * `executions` are written by the venue and the worker, and by the order API only to replay their dead letters
 * (REPLAYABLE_TOPICS). READ implies DESCRIBE, and WRITE on
 * a topic gives the idempotent producers their producer id (Kafka 3). The job that applies this (workers/create-topics.ts)
 * runs as the admin user, which gets everything under the prefix and the cluster rights topic and ACL management need:
 * on MSK, which has no super users, that grant is what keeps it able to manage the cluster once
 * `allow.everyone.if.no.acl.found` is false.
 */
export function kafkaAccess(config: Pick<AppConfig, 'kafka' | 'marketData'>): Record<KafkaService | 'admin', KafkaGrant[]> {
  const { prefix, topics } = config.kafka;
  const dlq = deadLetterGroups(prefix);
  const processors = orderProcessorGroups(prefix);
  const replayable = [...topicsByBaseName(prefix)].filter(([base]) => REPLAYABLE_TOPICS.has(base)).map(([, name]) => name);
  const underPrefix = (resource: 'topic' | 'group'): KafkaGrant =>
    prefix === '' ? { resource, name: '*', pattern: 'literal', operations: ['ALL'] } : { resource, name: prefix, pattern: 'prefixed', operations: ['ALL'] };
  return {
    api: [
      topic(topics.orders, 'WRITE'),
      // The dead-letter admin: reads every .dlq, replays into the replayable topics, keeps its watermark group and
      // deletes its short-lived reader groups.
      ...Object.values(topics).map((name) => topic(dlqTopic(name), 'READ')),
      ...replayable.filter((name) => name !== topics.orders).map((name) => topic(name, 'WRITE')),
      group(dlq.replayGroupId),
      groupsStartingWith(dlq.readerGroupPrefix, 'READ', 'DELETE'),
    ],
    worker: [
      topic(topics.orders, 'READ'),
      topic(topics.venueReports, 'READ'),
      topic(topics.executions, 'WRITE'),
      topic(dlqTopic(topics.orders), 'WRITE'),
      topic(dlqTopic(topics.venueReports), 'WRITE'),
      group(processors.orders),
      group(processors.venueReports),
    ],
    risk: [topic(topics.prices, 'READ'), topic(dlqTopic(topics.prices), 'WRITE'), groupsStartingWith(priceFeedGroupPrefix(prefix), 'READ')],
    venue: [topic(topics.venueReports, 'WRITE'), topic(topics.priceFeeds, 'WRITE')],
    'market-data': [
      topic(topics.priceFeeds, 'READ'),
      topic(topics.executions, 'READ'),
      topic(topics.prices, 'WRITE'),
      topic(dlqTopic(topics.priceFeeds), 'WRITE'),
      topic(dlqTopic(topics.executions), 'WRITE'),
      group(config.marketData.feedGroupId),
      group(config.marketData.executionsGroupId),
    ],
    admin: [
      underPrefix('topic'),
      underPrefix('group'),
      { resource: 'cluster', name: CLUSTER_RESOURCE, pattern: 'literal', operations: ['CREATE', 'DESCRIBE', 'ALTER', 'DESCRIBE_CONFIGS'] },
    ],
  };
}

const KafkaUsername = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a Kafka user name (1-64 letters, digits, . _ -)'));
const KafkaAclUsersJson = v.strictObject(Object.fromEntries(KAFKA_SERVICES.map((service) => [service, KafkaUsername])) as Record<KafkaService, typeof KafkaUsername>);

/**
 * KAFKA_ACL_USERS parsed: JSON naming the Kafka user of every service, `{"api": "...", "worker": "...", ...}`. Each
 * service needs a user of its own (two sharing one would hold each other's rights), and none may be the admin's.
 * Undefined when not set.
 */
export function parseKafkaAclUsers(given: string | undefined, adminUsername: string | undefined): Readonly<Record<KafkaService, string>> | undefined {
  if (given === undefined || given.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(given);
  } catch {
    throw new ConfigError(`KAFKA_ACL_USERS must be JSON: {${KAFKA_SERVICES.map((s) => `"${s}": "<user>"`).join(', ')}}`);
  }
  const parsed = v.safeParse(KafkaAclUsersJson, json);
  if (!parsed.success) throw new ConfigError(`KAFKA_ACL_USERS: ${describeIssues(validationIssues(parsed.issues, 'KAFKA_ACL_USERS'))}`);
  const owners = new Map<string, string>();
  for (const service of KAFKA_SERVICES) {
    const user = parsed.output[service];
    if (user === adminUsername) throw new ConfigError(`KAFKA_ACL_USERS: ${service} is the admin user ${user}; each service needs a user of its own`);
    const other = owners.get(user);
    if (other !== undefined) throw new ConfigError(`KAFKA_ACL_USERS: ${other} and ${service} share the user ${user}, so each would hold the other's rights`);
    owners.set(user, service);
  }
  return parsed.output;
}

/** The grants by Kafka user: each service's under its user, the admin's under the job's own user. */
export function kafkaGrantsByUser(access: Record<KafkaService | 'admin', KafkaGrant[]>, users: Readonly<Record<KafkaService, string>>, adminUsername: string): Map<string, KafkaGrant[]> {
  return new Map<string, KafkaGrant[]>([[adminUsername, access.admin], ...KAFKA_SERVICES.map((service): [string, KafkaGrant[]] => [users[service], access[service]])]);
}

import { Kafka, logLevel, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import { readFileSync } from 'node:fs';
import type { KafkaSecurity } from '../config';
import type { Logger } from '../logger';

/**
 * One kafkajs client per process. Its own logs go through the process's pino logger so they carry the
 * service name and land in the same stream; kafkajs only produces the levels pino would print anyway.
 */
export function createKafka(config: { brokers: readonly string[]; clientId: string } & Partial<KafkaSecurity>, logger: Logger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ...kafkaSecurityOptions(config),
    logLevel: kafkaLogLevel(logger),
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
    // The default (1 s) is tight for a broker busy with a GC pause or a shared CI machine.
    connectionTimeout: 3_000,
    // Admin calls, consumer group joins and producer metadata retry for about 20 s before giving up:
    // long enough to ride out a broker restart, short enough that a dead broker surfaces as an error.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 6 },
  });
}

/** TLS (MSK: KAFKA_SSL=on) and SASL/SCRAM credentials as kafkajs takes them; nothing for the local broker. */
export function kafkaSecurityOptions(config: Partial<KafkaSecurity>): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (config.ssl !== undefined) options.ssl = config.ssl.caFile === undefined ? true : { ca: [readFileSync(config.ssl.caFile, 'utf8')] };
  if (config.sasl !== undefined) {
    const { username, password } = config.sasl;
    options.sasl =
      config.sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username, password }
        : config.sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password };
  }
  return options;
}

function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('debug')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  if (logger.isLevelEnabled('error')) return logLevel.ERROR;
  return logLevel.NOTHING;
}

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _source, ...fields } = log;
      const entry = { namespace, ...fields };
      switch (effectiveLevel(namespace, level, message)) {
        case logLevel.ERROR:
          logger.error(entry, message);
          break;
        case logLevel.WARN:
          logger.warn(entry, message);
          break;
        case logLevel.INFO:
          logger.info(entry, message);
          break;
        default:
          logger.debug(entry, message);
      }
    };
}

function effectiveLevel(namespace: string, level: logLevel, message: string): logLevel {
  // kafkajs logs every error response of a request at ERROR, even the retriable ones it then retries
  // ("coordinator is loading", a leader moving). The failure that matters surfaces as a rejected call.
  if (namespace === 'Connection' && level === logLevel.ERROR) return logLevel.WARN;
  // The event publisher limits retries on purpose and replaces its producer after a failed send,
  // which is what keeps sequence numbers safe (see event-publisher.ts); the warning would only alarm.
  if (message.startsWith('Limiting retries for the idempotent producer')) return logLevel.DEBUG;
  return level;
}

/** A readiness probe: resolves when the cluster answers a metadata request. */
export async function pingKafka(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}

import { startScramKafka, type ScramKafka } from '../../test/harness/scram-kafka';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createKafka } from './client';
import { ensureTopics, kafkaTopics } from './topics';

/**
 * MSK's SASL/SCRAM endpoint, as far as one machine can have it: a broker of the stack's build with a SASL_SSL listener
 * (a certificate from a CA made by the test) and a SCRAM-SHA-512 user. The clients log in with the settings of
 * infra/config.ts, and a wrong password or a missing CA is refused.
 */
jest.setTimeout(180_000);

describe('createKafka against a SASL_SSL + SCRAM-SHA-512 broker of its own', () => {
  let broker: ScramKafka;
  const logger = createLogger({ name: 'kafka-scram-test', level: 'silent' });

  beforeAll(async () => {
    broker = await startScramKafka();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const env = (overrides: Record<string, string> = {}) => ({
    KAFKA_BROKERS: broker.broker,
    KAFKA_SSL: 'on',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: broker.user.name,
    KAFKA_SASL_PASSWORD: broker.user.password,
    ...overrides,
  });
  const withAdmin = async <T>(settings: Record<string, string>, use: (admin: ReturnType<ReturnType<typeof createKafka>['admin']>) => Promise<T>): Promise<T> => {
    const admin = createKafka(loadConfig(settings).kafka, logger).admin({ retry: { retries: 1 } });
    try {
      await admin.connect();
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  };

  it('logs in over TLS with SCRAM-SHA-512, creates the topics and produces', async () => {
    const topics = kafkaTopics('scram-');
    const created = await withAdmin(env(), (admin) => ensureTopics(admin, topics));
    expect(created).toContain('scram-orders');
    const kafka = createKafka(loadConfig(env()).kafka, logger);
    const producer = kafka.producer();
    await producer.connect();
    try {
      const sent = await producer.send({ topic: topics.orders, messages: [{ key: 'k', value: 'over SASL_SSL' }] });
      expect(sent).toEqual([expect.objectContaining({ topicName: topics.orders, errorCode: 0, baseOffset: '0' })]);
    } finally {
      await producer.disconnect();
    }
  });

  it('is refused with a wrong password', async () => {
    await expect(withAdmin(env({ KAFKA_SASL_PASSWORD: 'wrong-password' }), (admin) => admin.describeCluster())).rejects.toThrow(/SASL|authentication/i);
  });

  it('does not trust the broker without its CA', async () => {
    const settings: Record<string, string> = env();
    delete settings.KAFKA_SSL_CA_FILE;
    await expect(withAdmin(settings, (admin) => admin.describeCluster())).rejects.toThrow();
  });
});

import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createKafka } from './client';

/**
 * The TLS and SASL settings reach the broker connection (MSK's listeners need both). The local broker listens in
 * plain text without SASL, so what this proves is that kafkajs speaks SASL or TLS when configured, and the broker
 * sees it; a SCRAM login that succeeds is client-scram.integration.test.ts (a SASL_SSL broker of its own).
 */
jest.setTimeout(60_000);

describe('createKafka security settings (the local broker)', () => {
  const logger = createLogger({ name: 'kafka-security-test', level: 'silent' });
  const connect = async (env: Record<string, string>) => {
    const config = loadConfig({ ...process.env, ...env });
    const admin = createKafka({ ...config.kafka, brokers: config.kafka.brokers }, logger).admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
      return 'connected';
    } finally {
      await admin.disconnect();
    }
  };

  it('connects without them (the local stack)', async () => {
    expect(await connect({})).toBe('connected');
  });

  it('starts a SASL/SCRAM handshake when KAFKA_SASL_MECHANISM is set: a broker without SASL refuses it', async () => {
    await expect(connect({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'oms', KAFKA_SASL_PASSWORD: 'secret' })).rejects.toThrow(/SASL/);
  });

  it('speaks TLS when KAFKA_SSL=on: a plain-text listener cannot answer it', async () => {
    await expect(connect({ KAFKA_SSL: 'on' })).rejects.toThrow();
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';
import { kafkaSecurityOptions } from './kafka/client';
import { mongoSecurityOptions } from './mongo/client';
import { redisSecurityOptions } from './redis/client';
import { temporalTlsConfig } from './temporal/client';

/** The managed services' settings (MSK, ElastiCache, DocumentDB, Temporal Cloud): each combination checked, passed to the clients as they take them. */
describe('managed service connection settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oms-managed-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const ca = file('ca.pem', 'CA PEM');
  const cert = file('client.pem', 'CERT PEM');
  const key = file('client.key', 'KEY PEM');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const refused = (env: Record<string, string>, ...fragments: string[]) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
  };

  it('defaults to the local stack: no TLS, no credentials, retryable writes', () => {
    const config = loadConfig({});
    expect(config.kafka).toMatchObject({ ssl: undefined, sasl: undefined });
    expect(config.redis).toMatchObject({ tls: undefined, username: undefined, password: undefined });
    expect(config.mongo).toMatchObject({ tls: undefined, retryWrites: true, auth: undefined });
    expect(config.temporal.tls).toBeUndefined();
    expect(kafkaSecurityOptions(config.kafka)).toEqual({});
    expect(redisSecurityOptions(config.redis)).toEqual({});
    expect(mongoSecurityOptions(config.mongo)).toEqual({});
    expect(temporalTlsConfig(config.temporal.tls)).toBeUndefined();
  });

  describe('Kafka (MSK: TLS and SASL/SCRAM)', () => {
    it('passes TLS and SCRAM credentials to kafkajs', () => {
      const config = loadConfig({ KAFKA_SSL: 'on', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'oms', KAFKA_SASL_PASSWORD: 's3cret' });
      expect(kafkaSecurityOptions(config.kafka)).toEqual({ ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'oms', password: 's3cret' } });
      const withCa = loadConfig({ KAFKA_SSL: 'on', KAFKA_SSL_CA_FILE: ca });
      expect(kafkaSecurityOptions(withCa.kafka)).toEqual({ ssl: { ca: ['CA PEM'] } });
    });

    it('refuses a mechanism without credentials, credentials without a mechanism, a CA without TLS, an unknown mechanism', () => {
      refused({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'oms' }, 'KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
      refused({ KAFKA_SASL_PASSWORD: 'x' }, 'KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM');
      refused({ KAFKA_SSL_CA_FILE: ca }, 'KAFKA_SSL_CA_FILE needs KAFKA_SSL=on');
      refused({ KAFKA_SASL_MECHANISM: 'gssapi' }, 'KAFKA_SASL_MECHANISM');
      refused({ KAFKA_SSL: 'yes' }, 'KAFKA_SSL');
      refused({ KAFKA_SSL: 'on', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') }, 'KAFKA_SSL_CA_FILE: no such file');
    });

    it('refuses SASL in clear text in production', () => {
      const production = { OMS_ENV: 'production', INTERNAL_AUTH_SECRETS: 'x'.repeat(40) };
      refused({ ...production, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'needs KAFKA_SSL=on when OMS_ENV=production');
      expect(loadConfig({ ...production, KAFKA_SSL: 'on', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }).kafka.sasl).toBeDefined();
    });
  });

  describe('Redis (ElastiCache: TLS and AUTH)', () => {
    it('takes TLS from a rediss:// URL, a private CA from a file, the AUTH token and user', () => {
      const config = loadConfig({ REDIS_URL: 'rediss://cache.example:6379', REDIS_TLS_CA_FILE: ca, REDIS_USERNAME: 'oms', REDIS_PASSWORD: 'token' });
      expect(redisSecurityOptions(config.redis)).toEqual({ tls: { ca: 'CA PEM' }, username: 'oms', password: 'token' });
      expect(redisSecurityOptions(loadConfig({ REDIS_URL: 'rediss://cache.example:6379' }).redis)).toEqual({ tls: {} });
    });

    it('refuses a CA without TLS, a user without a password, and (production) a password in clear text', () => {
      refused({ REDIS_TLS_CA_FILE: ca }, 'REDIS_TLS_CA_FILE needs a rediss:// REDIS_URL');
      refused({ REDIS_USERNAME: 'oms' }, 'REDIS_USERNAME needs REDIS_PASSWORD');
      refused({ OMS_ENV: 'production', INTERNAL_AUTH_SECRETS: 'x'.repeat(40), REDIS_PASSWORD: 'token' }, 'REDIS_PASSWORD needs a rediss:// REDIS_URL');
    });
  });

  describe('MongoDB (DocumentDB: TLS with its CA bundle, no retryable writes)', () => {
    it('passes TLS, the CA file, retryWrites=false and credentials as driver options', () => {
      const config = loadConfig({ MONGO_TLS: 'on', MONGO_TLS_CA_FILE: ca, MONGO_RETRY_WRITES: 'off', MONGO_USERNAME: 'oms', MONGO_PASSWORD: 'pw' });
      expect(mongoSecurityOptions(config.mongo)).toEqual({ tls: true, tlsCAFile: ca, retryWrites: false, auth: { username: 'oms', password: 'pw' } });
    });

    it('refuses a CA without TLS and half the credentials', () => {
      refused({ MONGO_TLS_CA_FILE: ca }, 'MONGO_TLS_CA_FILE needs MONGO_TLS=on');
      refused({ MONGO_USERNAME: 'oms' }, 'MONGO_USERNAME and MONGO_PASSWORD go together');
      refused({ MONGO_RETRY_WRITES: 'false' }, 'MONGO_RETRY_WRITES');
    });
  });

  describe('Temporal (mTLS, namespace)', () => {
    it('reads the client certificate pair, the CA and the server name for both connection kinds', () => {
      const config = loadConfig({
        TEMPORAL_ADDRESS: 'oms.a1b2c.tmprl.cloud:7233',
        TEMPORAL_NAMESPACE: 'oms.a1b2c',
        TEMPORAL_TLS: 'on',
        TEMPORAL_TLS_CERT_FILE: cert,
        TEMPORAL_TLS_KEY_FILE: key,
        TEMPORAL_TLS_CA_FILE: ca,
        TEMPORAL_TLS_SERVER_NAME: 'oms.a1b2c.tmprl.cloud',
      });
      expect(config.temporal.namespace).toBe('oms.a1b2c');
      const tls = temporalTlsConfig(config.temporal.tls);
      expect({ crt: tls?.clientCertPair?.crt.toString(), key: tls?.clientCertPair?.key.toString() }).toEqual({ crt: 'CERT PEM', key: 'KEY PEM' });
      expect(Buffer.from(tls!.serverRootCACertificate!).toString()).toBe('CA PEM');
      expect(tls?.serverNameOverride).toBe('oms.a1b2c.tmprl.cloud');
      expect(temporalTlsConfig(loadConfig({ TEMPORAL_TLS: 'on' }).temporal.tls)).toEqual({});
    });

    it('refuses half a certificate pair, TLS files without TLS, a missing file', () => {
      refused({ TEMPORAL_TLS: 'on', TEMPORAL_TLS_CERT_FILE: cert }, 'TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together');
      refused({ TEMPORAL_TLS_CA_FILE: ca }, 'TEMPORAL_TLS_* settings need TEMPORAL_TLS=on');
      refused({ TEMPORAL_TLS: 'on', TEMPORAL_TLS_CERT_FILE: cert, TEMPORAL_TLS_KEY_FILE: join(dir, 'nope.key') }, 'TEMPORAL_TLS_KEY_FILE: no such file');
      refused({ TEMPORAL_NAMESPACE: '' }, 'TEMPORAL_NAMESPACE');
    });
  });
});

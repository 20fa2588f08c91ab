import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'orders', uiUrl: 'http://localhost:8233' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.mongo).toEqual({ url: 'mongodb://127.0.0.1:27017', db: 'crypto_oms' });
    expect(config.api.port).toBe(5000);
    expect(config.risk).toEqual({ port: 5001, url: 'http://127.0.0.1:5001', priceMaxAgeSeconds: 300 });
    expect(config.marketData.port).toBe(5002);
    expect(config.venue.port).toBe(5003);
    expect(config.api.maxBodyBytes).toBe(16_384);
  });

  it('parses overrides into typed values', () => {
    const config = loadConfig({ API_PORT: '6000', KAFKA_BROKERS: 'a:1, b:2', OMS_ENV: 'production', RISK_PRICE_MAX_AGE_SECONDS: '30' });
    expect(config.api.port).toBe(6000);
    expect(config.risk.priceMaxAgeSeconds).toBe(30);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.env).toBe('production');
  });

  it.each([
    ['API_PORT', 'abc'],
    ['API_PORT', '70000'],
    ['KAFKA_BROKERS', 'no-port'],
    ['REDIS_URL', 'http://x'],
    ['MONGO_URL', 'postgres://x'],
    ['OMS_ENV', 'staging'],
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['RISK_PRICE_MAX_AGE_SECONDS', '0'],
    ['RISK_PRICE_MAX_AGE_SECONDS', '1.5'],
    ['RISK_PRICE_MAX_AGE_SECONDS', '-5'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});

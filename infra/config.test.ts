import { ConfigError, DEFAULT_BACKFILL_FILES, loadConfig, marketDataDir } from './config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'orders', uiUrl: 'http://localhost:8233' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.mongo).toEqual({ url: 'mongodb://127.0.0.1:27017', db: 'crypto_oms' });
    expect(config.api.port).toBe(5000);
    expect(config.risk.port).toBe(5001);
    expect(config.marketData.port).toBe(5002);
    expect(config.venue.port).toBe(5003);
    expect(config.api.maxBodyBytes).toBe(16_384);
  });

  it('parses overrides into typed values', () => {
    const config = loadConfig({ API_PORT: '6000', KAFKA_BROKERS: 'a:1, b:2', OMS_ENV: 'production' });
    expect(config.api.port).toBe(6000);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.env).toBe('production');
  });

  it('gives the market data service its defaults', () => {
    expect(loadConfig({}).marketData).toEqual({
      port: 5002,
      host: '127.0.0.1',
      dataDir: undefined,
      backfillFiles: DEFAULT_BACKFILL_FILES,
      backfillSymbol: 'BTC-USD',
      feedGroupId: 'market-data-group',
      executionsGroupId: 'market-data-executions-group',
      redisPrefix: 'md',
      throttleMs: 250,
    });
  });

  it('parses market data overrides', () => {
    const config = loadConfig({
      MARKET_DATA_PORT: '7002',
      MARKET_DATA_DIR: 'data',
      MARKET_DATA_BACKFILL_FILES: ' a.csv, b_1m.csv ',
      MARKET_DATA_FEED_GROUP: 'md-test-1',
      MARKET_DATA_EXECUTIONS_GROUP: 'md-exec-test-1',
      MARKET_DATA_REDIS_PREFIX: 'md-test',
      MARKET_DATA_THROTTLE_MS: '50',
    });
    expect(config.marketData).toMatchObject({
      port: 7002,
      dataDir: 'data',
      backfillFiles: ['a.csv', 'b_1m.csv'],
      feedGroupId: 'md-test-1',
      executionsGroupId: 'md-exec-test-1',
      redisPrefix: 'md-test',
      throttleMs: 50,
    });
    expect(loadConfig({ MARKET_DATA_BACKFILL_FILES: 'none' }).marketData.backfillFiles).toEqual([]);
  });

  it('finds the market data folder beside the repository unless told', () => {
    expect(marketDataDir(undefined, '/repo/main')).toBe('/repo/shared/data/market');
    expect(marketDataDir('data/market', '/repo/main')).toBe('/repo/main/data/market');
    expect(marketDataDir('/data', '/repo/main')).toBe('/data');
  });

  it.each([
    ['API_PORT', 'abc'],
    ['API_PORT', '70000'],
    ['KAFKA_BROKERS', 'no-port'],
    ['REDIS_URL', 'http://x'],
    ['MONGO_URL', 'postgres://x'],
    ['OMS_ENV', 'staging'],
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['MARKET_DATA_BACKFILL_FILES', '../etc/passwd'],
    ['MARKET_DATA_BACKFILL_SYMBOL', 'btc/usd'],
    ['MARKET_DATA_FEED_GROUP', 'a group'],
    ['MARKET_DATA_REDIS_PREFIX', 'a:b'],
    ['MARKET_DATA_THROTTLE_MS', '5'],
    ['MARKET_DATA_THROTTLE_MS', 'fast'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});

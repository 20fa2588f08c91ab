import { resolve } from 'node:path';
import {
  apiKeyHashing,
  ConfigError,
  DEFAULT_BACKFILL_FILES,
  DEVELOPMENT_API_KEY_PEPPER,
  DEVELOPMENT_INTERNAL_AUTH_SECRET,
  developmentInternalSecret,
  internalCallerSecrets,
  internalSigningSecrets,
  loadConfig,
  marketDataDir,
} from './config';
import { INTERNAL_CALLERS } from './http/internal-auth';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(40);
const SECRET_C = 'c'.repeat(36);

describe('loadConfig: service-to-service authentication and the request guards', () => {
  const production = (env: Record<string, string>) => loadConfig({ OMS_ENV: 'production', ...env });
  const json = (map: Record<string, string[]>) => JSON.stringify(map);

  it('signs with the caller\'s own development secret outside production, and accepts every caller\'s, so npm start and the tests need no setup', () => {
    for (const env of [{}, { OMS_ENV: 'test', INTERNAL_AUTH_SECRETS: ' ' }]) {
      const config = loadConfig(env);
      expect(internalSigningSecrets(config, 'worker')).toEqual([developmentInternalSecret('worker')]);
      expect(internalSigningSecrets(config, 'api')).toEqual([`${DEVELOPMENT_INTERNAL_AUTH_SECRET}:api`]);
      expect(internalCallerSecrets(config)).toEqual(new Map(INTERNAL_CALLERS.map((caller) => [caller, [developmentInternalSecret(caller)]])));
    }
    expect(internalSigningSecrets(loadConfig({ OMS_ENV: 'test', INTERNAL_AUTH_SECRETS: 'short,other' }), 'worker')).toEqual(['short', 'other']);
    expect(internalCallerSecrets(loadConfig({ OMS_ENV: 'test', INTERNAL_AUTH_CALLER_SECRETS: json({ worker: ['short'] }) }))).toEqual(new Map([['worker', ['short']]]));
  });

  it('takes the secrets in order in production: the first signs; per caller, all are accepted', () => {
    expect(internalSigningSecrets(production({ INTERNAL_AUTH_SECRETS: `${SECRET_A}, ${SECRET_B}` }), 'worker')).toEqual([SECRET_A, SECRET_B]);
    const callers = internalCallerSecrets(production({ INTERNAL_AUTH_CALLER_SECRETS: json({ worker: [SECRET_A, SECRET_B], api: [SECRET_C] }) }));
    expect(callers).toEqual(new Map([['worker', [SECRET_A, SECRET_B]], ['api', [SECRET_C]]]));
  });

  it('requires them in production only where they are used: a process that signs needs its own, a service that checks needs its callers\'', () => {
    const config = production({});
    expect(() => internalSigningSecrets(config, 'worker')).toThrow(/INTERNAL_AUTH_SECRETS is required when OMS_ENV=production/);
    expect(() => internalCallerSecrets(config)).toThrow(/INTERNAL_AUTH_CALLER_SECRETS is required when OMS_ENV=production/);
    expect(() => internalSigningSecrets(production({ INTERNAL_AUTH_SECRETS: ' , ' }), 'api')).toThrow(/INTERNAL_AUTH_SECRETS is required/);
  });

  it.each([
    ['under 32 bytes', { INTERNAL_AUTH_SECRETS: 'x'.repeat(31) }, /INTERNAL_AUTH_SECRETS: every secret must be at least 32 bytes/],
    ['one of two under 32 bytes', { INTERNAL_AUTH_SECRETS: `${SECRET_A},short` }, /at least 32 bytes/],
    ['the development one', { INTERNAL_AUTH_SECRETS: DEVELOPMENT_INTERNAL_AUTH_SECRET }, /development secret is refused/],
    ['a caller\'s development one', { INTERNAL_AUTH_SECRETS: developmentInternalSecret('risk') }, /development secret is refused/],
    ['a caller\'s under 32 bytes', { INTERNAL_AUTH_CALLER_SECRETS: json({ worker: [SECRET_A], api: ['short'] }) }, /INTERNAL_AUTH_CALLER_SECRETS: every secret must be at least 32 bytes/],
    ['a caller\'s development one', { INTERNAL_AUTH_CALLER_SECRETS: json({ worker: [developmentInternalSecret('worker')] }) }, /INTERNAL_AUTH_CALLER_SECRETS: the development secret is refused/],
    ['shared by two callers', { INTERNAL_AUTH_CALLER_SECRETS: json({ worker: [SECRET_A], api: [SECRET_B, SECRET_A] }) }, /worker and api share a secret/],
  ])('refuses to start in production with a secret %s', (_name, env: Record<string, string>, message) => {
    expect(() => production(env)).toThrow(ConfigError);
    expect(() => production(env)).toThrow(message);
  });

  it.each([
    ['not JSON', 'worker=abc', /INTERNAL_AUTH_CALLER_SECRETS must be JSON/],
    ['an unknown caller', json({ wroker: [SECRET_A] }), /INTERNAL_AUTH_CALLER_SECRETS: .*a caller must be one of api, worker, risk, market-data/],
    ['a caller without secrets', json({ worker: [] }), /each caller needs at least one secret/],
    ['an empty secret', json({ worker: [' '] }), /a secret must not be empty/],
    ['a list instead of a map', JSON.stringify([SECRET_A]), /INTERNAL_AUTH_CALLER_SECRETS: /],
  ])('refuses INTERNAL_AUTH_CALLER_SECRETS that is %s, in any environment', (_name, value, message) => {
    expect(() => loadConfig({ OMS_ENV: 'test', INTERNAL_AUTH_CALLER_SECRETS: value })).toThrow(message);
  });

  it('answers to localhost and the names in HTTP_ALLOWED_HOSTS; the risk engine binds to RISK_HOST, loopback by default', () => {
    expect(loadConfig({}).http.allowedHosts).toEqual(['localhost']);
    expect(loadConfig({ HTTP_ALLOWED_HOSTS: 'api, risk,.svc.cluster.local' }).http.allowedHosts).toEqual(['localhost', 'api', 'risk', '.svc.cluster.local']);
    expect(() => loadConfig({ HTTP_ALLOWED_HOSTS: 'api:5000' })).toThrow(/HTTP_ALLOWED_HOSTS/);
    expect(() => loadConfig({ HTTP_ALLOWED_HOSTS: '*' })).toThrow(/HTTP_ALLOWED_HOSTS/);
    expect(loadConfig({}).risk.host).toBe('127.0.0.1');
    expect(loadConfig({ RISK_HOST: '0.0.0.0', API_HOST: '10.0.0.1' }).risk.host).toBe('0.0.0.0');
  });
});

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.temporal).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'orders',
      uiUrl: 'http://localhost:8233',
      reconcile: { quietMs: 30_000, maxQuietMs: 600_000, gapGraceMs: 5_000 },
    });
    expect(config.worker).toMatchObject({ stuckOrderSeconds: 60, sweepIntervalMs: 30_000, sweepMaxPerPass: 8_000 });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.kafka.prefix).toBe('');
    expect(config.kafka.topics).toEqual({ orders: 'orders', executions: 'executions', venueReports: 'venue-reports', priceFeeds: 'price-feeds', prices: 'prices' });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: '' });
    expect(config.mongo).toEqual({ url: 'mongodb://127.0.0.1:27017', db: 'crypto_oms', retryWrites: true });
    expect(config.api.port).toBe(5000);
    expect(config.risk).toEqual({ host: '127.0.0.1', port: 5001, url: 'http://127.0.0.1:5001', priceMaxAgeSeconds: 300 });
    expect(config.marketData.port).toBe(5002);
    expect(config.venue.port).toBe(5003);
    expect(config.api.maxBodyBytes).toBe(16_384);
  });

  it('parses overrides into typed values', () => {
    const config = loadConfig({ API_PORT: '6000', KAFKA_BROKERS: 'a:1, b:2', OMS_ENV: 'production', RISK_PRICE_MAX_AGE_SECONDS: '30', INTERNAL_AUTH_SECRETS: SECRET_A });
    expect(config.api.port).toBe(6000);
    expect(config.risk.priceMaxAgeSeconds).toBe(30);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.env).toBe('production');
  });

  it('puts KAFKA_PREFIX before every topic and the market data groups, REDIS_KEY_PREFIX in the Redis slice', () => {
    const config = loadConfig({ KAFKA_PREFIX: 'test-run1-', REDIS_KEY_PREFIX: 'test-run1:', MARKET_DATA_FEED_GROUP: 'md-feed' });
    expect(config.kafka.prefix).toBe('test-run1-');
    expect(config.kafka.topics).toEqual({
      orders: 'test-run1-orders',
      executions: 'test-run1-executions',
      venueReports: 'test-run1-venue-reports',
      priceFeeds: 'test-run1-price-feeds',
      prices: 'test-run1-prices',
    });
    expect(config.marketData.feedGroupId).toBe('test-run1-md-feed');
    expect(config.marketData.executionsGroupId).toBe('test-run1-market-data-executions-group');
    expect(config.redis.keyPrefix).toBe('test-run1:');
  });

  it('reads the reconciliation timing in seconds; the cap is never below the first wait', () => {
    const config = loadConfig({ ORDER_RECONCILE_QUIET_SECONDS: '60', ORDER_RECONCILE_MAX_QUIET_SECONDS: '10', ORDER_RECONCILE_GAP_GRACE_SECONDS: '2' });
    expect(config.temporal.reconcile).toEqual({ quietMs: 60_000, maxQuietMs: 60_000, gapGraceMs: 2_000 });
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

  it('resolves relative paths from the checkout it runs from, or from the root it is given', () => {
    expect(loadConfig({}).rootDir).toBe(resolve(__dirname, '..'));
    expect(loadConfig({}, { rootDir: '/app' }).rootDir).toBe('/app');
    expect(marketDataDir(loadConfig({ MARKET_DATA_DIR: 'data' }, { rootDir: '/app' }).marketData.dataDir, '/app')).toBe('/app/data');
  });

  it('finds the market data folder beside the repository unless told', () => {
    expect(marketDataDir(undefined, '/repo/main')).toBe('/repo/shared/data/market');
    expect(marketDataDir('data/market', '/repo/main')).toBe('/repo/main/data/market');
    expect(marketDataDir('/data', '/repo/main')).toBe('/data');
  });

  it.each([
    ['ORDER_RECONCILE_QUIET_SECONDS', '0'],
    ['ORDER_SWEEP_INTERVAL_SECONDS', '0'],
    ['ORDER_SWEEP_MAX_ORDERS_PER_PASS', '399'],
    ['ORDER_SWEEP_MAX_ORDERS_PER_PASS', '1000001'],
    ['ORDER_SWEEP_MAX_ORDERS_PER_PASS', '8e3'],
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
    ['KAFKA_PREFIX', 'a/b'],
    ['KAFKA_PREFIX', 'x'.repeat(65)],
    ['REDIS_KEY_PREFIX', 'a b'],
    ['MARKET_DATA_THROTTLE_MS', '5'],
    ['MARKET_DATA_THROTTLE_MS', 'fast'],
    ['RISK_PRICE_MAX_AGE_SECONDS', '0'],
    ['RISK_PRICE_MAX_AGE_SECONDS', '1.5'],
    ['RISK_PRICE_MAX_AGE_SECONDS', '-5'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});

describe('loadConfig: market data WebSocket limits', () => {
  it('sets none by default (the server has the defaults)', () => {
    expect(loadConfig({}).marketDataWs).toEqual({});
  });

  it('reads each MARKET_DATA_WS_* variable that is set into its limit', () => {
    const config = loadConfig({
      MARKET_DATA_WS_MAX_CONNECTIONS: '5000',
      MARKET_DATA_WS_MAX_CONNECTIONS_PER_ADDRESS: '20',
      MARKET_DATA_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '50',
      MARKET_DATA_WS_MAX_FRAME_BYTES: '8192',
      MARKET_DATA_WS_HARD_MAX_FRAME_BYTES: '65536',
      MARKET_DATA_WS_FRAMES_PER_SECOND: '10',
      MARKET_DATA_WS_FRAME_BURST: '30',
      MARKET_DATA_WS_MAX_BUFFERED_BYTES: '1048576',
      MARKET_DATA_WS_HEARTBEAT_INTERVAL_MS: '10000',
      MARKET_DATA_WS_IDLE_TIMEOUT_MS: '25000',
      MARKET_DATA_WS_CLOSE_TIMEOUT_MS: '2000',
      MARKET_DATA_WS_LOOKUP_TIMEOUT_MS: '3000',
    });
    expect(config.marketDataWs).toEqual({
      maxConnections: 5000,
      maxConnectionsPerAddress: 20,
      maxSubscriptionsPerConnection: 50,
      maxFrameBytes: 8192,
      hardMaxFrameBytes: 65536,
      framesPerSecond: 10,
      frameBurst: 30,
      maxBufferedBytes: 1_048_576,
      heartbeatIntervalMs: 10_000,
      idleTimeoutMs: 25_000,
      closeTimeoutMs: 2000,
      lookupTimeoutMs: 3000,
    });
    expect(loadConfig({ MARKET_DATA_WS_FRAME_BURST: '7' }).marketDataWs).toEqual({ frameBurst: 7 });
  });

  it.each(['0', '-1', '1.5', 'lots', ''])('refuses MARKET_DATA_WS_MAX_CONNECTIONS=%j naming the variable', (value) => {
    expect(() => loadConfig({ MARKET_DATA_WS_MAX_CONNECTIONS: value })).toThrow('MARKET_DATA_WS_MAX_CONNECTIONS');
  });
});

describe('API key pepper (API_KEY_PEPPER)', () => {
  const strong = 'V2hhdCBhIHN0cm9uZyBwZXBwZXIgdGhpcyBpcyE-0123456789abcdef';
  // A production process needs its internal-call secret too (checked before the pepper).
  const production = { OMS_ENV: 'production', INTERNAL_AUTH_SECRETS: 'an-internal-secret-of-forty-eight-characters-xyz' };

  it('defaults to the public development pepper outside production', () => {
    for (const env of [{}, { OMS_ENV: 'test' }, { OMS_ENV: 'development', API_KEY_PEPPER: '' }]) {
      expect(apiKeyHashing(loadConfig(env))).toEqual({ pepper: DEVELOPMENT_API_KEY_PEPPER, previousPepper: undefined, acceptLegacySha256: true });
    }
    expect(apiKeyHashing(loadConfig({ API_KEY_PEPPER: 'short is fine here', API_KEY_PEPPER_PREVIOUS: 'old' }))).toEqual({ pepper: 'short is fine here', previousPepper: 'old', acceptLegacySha256: true });
  });

  it('in production: required by the processes that check keys, and refused when weak', () => {
    // Processes that check no keys (worker, risk, venue) start without it.
    const withoutPepper = loadConfig(production);
    expect(() => apiKeyHashing(withoutPepper)).toThrow(/API_KEY_PEPPER is required when OMS_ENV=production/);
    expect(apiKeyHashing(loadConfig({ ...production, API_KEY_PEPPER: strong }))).toEqual({ pepper: strong, previousPepper: undefined, acceptLegacySha256: false });
    // Plain SHA-256 documents only during a deployment's migration window, when asked for.
    expect(apiKeyHashing(loadConfig({ ...production, API_KEY_PEPPER: strong, API_KEY_ACCEPT_SHA256: 'on' })).acceptLegacySha256).toBe(true);
    const weak: Array<[Record<string, string>, RegExp]> = [
      [{ API_KEY_PEPPER: 'x'.repeat(31) }, /API_KEY_PEPPER is 31 characters; at least 32/],
      [{ API_KEY_PEPPER: DEVELOPMENT_API_KEY_PEPPER }, /public development pepper/],
      [{ API_KEY_PEPPER: '0123456789'.repeat(4) }, /fewer than 12 distinct characters/],
      [{ API_KEY_PEPPER: strong, API_KEY_PEPPER_PREVIOUS: 'old-one' }, /API_KEY_PEPPER_PREVIOUS is 7 characters/],
    ];
    for (const [env, message] of weak) {
      expect(() => loadConfig({ ...production, ...env })).toThrow(ConfigError);
      expect(() => loadConfig({ ...production, ...env })).toThrow(message);
    }
  });
});

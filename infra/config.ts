import { isAbsolute, join, resolve } from 'node:path';
import * as v from 'valibot';
import { describeIssues, validationIssues } from '../domain/validation-issues';
import { kafkaTopics, type KafkaTopics } from './kafka/topics';

/**
 * The environment of every process, parsed once at start-up. Each component receives only its
 * slice (`config.kafka`, `config.api`, ...). Nothing reads `process.env` at import time.
 */
const Port = (fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'must be a port number (1-65535)'), v.transform(Number), v.minValue(1), v.maxValue(65535)),
    String(fallback),
  );

const PositiveInt = (fallback: number) =>
  v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be a positive integer'), v.transform(Number), v.minValue(1)), String(fallback));

const OptionalPositiveInt = v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be a positive integer'), v.transform(Number), v.minValue(1)));

/**
 * The market data WebSocket limits, each from MARKET_DATA_WS_<NAME IN SCREAMING_SNAKE> when set. Their defaults
 * and cross-checks live with the server (market-data/ws/limits.ts), which fills in the ones not set here.
 */
const MARKET_DATA_WS_LIMITS = {
  maxConnections: 'MARKET_DATA_WS_MAX_CONNECTIONS',
  maxConnectionsPerAddress: 'MARKET_DATA_WS_MAX_CONNECTIONS_PER_ADDRESS',
  maxSubscriptionsPerConnection: 'MARKET_DATA_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION',
  maxFrameBytes: 'MARKET_DATA_WS_MAX_FRAME_BYTES',
  hardMaxFrameBytes: 'MARKET_DATA_WS_HARD_MAX_FRAME_BYTES',
  framesPerSecond: 'MARKET_DATA_WS_FRAMES_PER_SECOND',
  frameBurst: 'MARKET_DATA_WS_FRAME_BURST',
  maxBufferedBytes: 'MARKET_DATA_WS_MAX_BUFFERED_BYTES',
  heartbeatIntervalMs: 'MARKET_DATA_WS_HEARTBEAT_INTERVAL_MS',
  idleTimeoutMs: 'MARKET_DATA_WS_IDLE_TIMEOUT_MS',
  closeTimeoutMs: 'MARKET_DATA_WS_CLOSE_TIMEOUT_MS',
  lookupTimeoutMs: 'MARKET_DATA_WS_LOOKUP_TIMEOUT_MS',
} as const;
export type MarketDataWsLimitName = keyof typeof MARKET_DATA_WS_LIMITS;

const HostPort = v.pipe(v.string(), v.regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port'));

const KafkaGroupId = (fallback: string) => v.optional(v.pipe(v.string(), v.regex(/^[\w.-]{1,128}$/, 'must be a Kafka group id (letters, digits, _ . -)')), fallback);

/** The market data files the candle history is backfilled from (shared/data/market, see its PROVENANCE.md). */
export const DEFAULT_BACKFILL_FILES: readonly string[] = Object.freeze([
  // The 1 s file of these days aggregates exactly to their 1 m file; the finer one stands for both.
  'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv',
  'coinbase_btcusd_1m_trades_2017-09-03_to_04.csv',
  'coinbase_btcusd_1m_trades_2017-12-17.csv',
  'coinbase_btcusd_1m_trades_2018-04-04_to_06.csv',
  'bitstamp_btcusd_min_2020_01_01.csv',
]);

// --- Service-to-service authentication and the HTTP request guards (issue 11; README "Security") ---

/** In development and test only, so `npm start` and the tests need no setup; a production process refuses it. */
export const DEVELOPMENT_INTERNAL_AUTH_SECRET = 'crypto-oms-development-only-internal-auth-secret';
/** The least length of a production secret: 256 bits of a random string's worth. */
export const MIN_SECRET_BYTES = 32;

const CommaList = v.pipe(
  v.string(),
  v.transform((s) => s.split(',').map((item) => item.trim()).filter((item) => item !== '')),
);

const InternalAuthEnv = {
  /** Comma-separated: calls are signed with the first and accepted under any (rotation, README "Security"). */
  INTERNAL_AUTH_SECRETS: v.optional(CommaList),
  /** Host names every HTTP service answers to besides localhost and IP literals, e.g. `api,risk,.svc.cluster.local`. */
  HTTP_ALLOWED_HOSTS: v.optional(
    v.pipe(
      CommaList,
      v.check((hosts) => hosts.every((h) => /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(h)), 'must be a comma-separated list of host names (a leading dot allows the names below)'),
    ),
  ),
  RISK_HOST: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
};

/** The secrets to use: the development one outside production; in production, refuses missing, short or development ones. */
function internalAuthSecrets(env: 'development' | 'test' | 'production', given: readonly string[] | undefined): readonly string[] {
  if (env !== 'production') return given !== undefined && given.length > 0 ? given : [DEVELOPMENT_INTERNAL_AUTH_SECRET];
  if (given === undefined || given.length === 0) throw new ConfigError('INTERNAL_AUTH_SECRETS is required when OMS_ENV=production');
  if (given.some((secret) => Buffer.byteLength(secret) < MIN_SECRET_BYTES)) {
    throw new ConfigError(`INTERNAL_AUTH_SECRETS: every secret must be at least ${MIN_SECRET_BYTES} bytes when OMS_ENV=production`);
  }
  if (given.includes(DEVELOPMENT_INTERNAL_AUTH_SECRET)) throw new ConfigError('INTERNAL_AUTH_SECRETS: the development secret is refused when OMS_ENV=production');
  return given;
}

// --- end of the service-to-service authentication block ---

// ---- API keys (issue 11: keys; see apiKeyHashing below) ----
/**
 * The pepper API keys are hashed with (HMAC-SHA-256), and the previous one while a rotation runs. Outside production
 * both default to the development pepper; in production API_KEY_PEPPER must be set and strong (checked here when
 * given, and by apiKeyHashing() for the processes that check keys: the order API and market data).
 */
const API_KEY_ENV = {
  API_KEY_PEPPER: v.optional(v.string()),
  API_KEY_PEPPER_PREVIOUS: v.optional(v.string()),
  /**
   * Whether keys stored as plain SHA-256 (before the pepper) still authenticate, to be re-hashed on first use. Default
   * on outside production, off in production: while on, whoever can write to api_keys can add a working key without
   * knowing the pepper, so a deployment turns it on only for its migration window.
   */
  API_KEY_ACCEPT_SHA256: v.optional(v.picklist(['on', 'off'])),
};
/** Public (it is in the repository): what development and tests hash their keys with. Production refuses it. */
export const DEVELOPMENT_API_KEY_PEPPER = 'crypto-oms development pepper: not a secret, refused in production';
const MIN_PEPPER_LENGTH = 32;
const MIN_PEPPER_DISTINCT_CHARACTERS = 12;

/** Why a production pepper is weak, or null when it is not. */
export function weakPepperReason(pepper: string): string | null {
  if (pepper === DEVELOPMENT_API_KEY_PEPPER) return 'is the public development pepper';
  if (pepper.length < MIN_PEPPER_LENGTH) return `is ${pepper.length} characters; at least ${MIN_PEPPER_LENGTH} are required (e.g. openssl rand -base64 48)`;
  if (new Set(pepper).size < MIN_PEPPER_DISTINCT_CHARACTERS) return `has fewer than ${MIN_PEPPER_DISTINCT_CHARACTERS} distinct characters: not a random secret`;
  return null;
}

function apiKeyConfig(
  env: 'development' | 'test' | 'production',
  e: { API_KEY_PEPPER?: string | undefined; API_KEY_PEPPER_PREVIOUS?: string | undefined; API_KEY_ACCEPT_SHA256?: 'on' | 'off' | undefined },
): AppConfig['apiKeys'] {
  const acceptLegacySha256 = (e.API_KEY_ACCEPT_SHA256 ?? (env === 'production' ? 'off' : 'on')) === 'on';
  if (env !== 'production') {
    return { pepper: e.API_KEY_PEPPER || DEVELOPMENT_API_KEY_PEPPER, previousPepper: e.API_KEY_PEPPER_PREVIOUS || undefined, acceptLegacySha256 };
  }
  const problems: string[] = [];
  for (const name of ['API_KEY_PEPPER', 'API_KEY_PEPPER_PREVIOUS'] as const) {
    const value = e[name];
    if (value === undefined) continue;
    const weak = weakPepperReason(value);
    if (weak !== null) problems.push(`${name} ${weak}`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')} (OMS_ENV=production)`);
  return { pepper: e.API_KEY_PEPPER, previousPepper: e.API_KEY_PEPPER_PREVIOUS, acceptLegacySha256 };
}

/**
 * The API key hashing secrets of a process that checks keys; a ConfigError in production when API_KEY_PEPPER is
 * missing (a weak one never gets this far: loadConfig refuses it).
 */
export function apiKeyHashing(config: Pick<AppConfig, 'env' | 'apiKeys'>): { pepper: string; previousPepper: string | undefined; acceptLegacySha256: boolean } {
  const { pepper, previousPepper, acceptLegacySha256 } = config.apiKeys;
  if (pepper === undefined) {
    throw new ConfigError(`invalid configuration: API_KEY_PEPPER is required when OMS_ENV=${config.env} (a random secret of at least ${MIN_PEPPER_LENGTH} characters, e.g. openssl rand -base64 48)`);
  }
  return { pepper, previousPepper, acceptLegacySha256 };
}
// ---- end of API keys ----

const EnvSchema = v.object({
  OMS_ENV: v.optional(v.picklist(['development', 'test', 'production']), 'development'),
  LOG_LEVEL: v.optional(v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  TEMPORAL_ADDRESS: v.optional(HostPort, '127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: v.optional(v.pipe(v.string(), v.minLength(1)), 'default'),
  TEMPORAL_TASK_QUEUE: v.optional(v.pipe(v.string(), v.minLength(1)), 'orders'),
  TEMPORAL_UI_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://localhost:8233'),
  // How long an order's workflow trusts the venue's report stream before it asks the venue (see workflows/order-lifecycle.ts).
  ORDER_RECONCILE_QUIET_SECONDS: PositiveInt(30),
  ORDER_RECONCILE_MAX_QUIET_SECONDS: PositiveInt(600),
  ORDER_RECONCILE_GAP_GRACE_SECONDS: PositiveInt(5),
  KAFKA_BROKERS: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((b) => b.trim()).filter((b) => b !== '')),
      v.minLength(1, 'must list at least one broker'),
      v.check((brokers) => brokers.every((b) => /^[\w.-]+:\d{1,5}$/.test(b)), 'must be a comma-separated list of host:port'),
    ),
    '127.0.0.1:9092',
  ),
  KAFKA_CLIENT_ID: v.optional(v.pipe(v.string(), v.minLength(1)), 'crypto-oms'),
  /** Put before every topic and consumer group id: a test run's own topics beside the stack's (empty: the stack's). */
  KAFKA_PREFIX: v.optional(v.pipe(v.string(), v.regex(/^[\w.-]{0,64}$/, 'must be 0-64 characters of letters, digits, _ . -')), ''),
  REDIS_URL: v.optional(v.pipe(v.string(), v.regex(/^rediss?:\/\//, 'must be a redis:// URL')), 'redis://127.0.0.1:6379'),
  /** Put before every Redis key and channel (empty: none), so a test run's keys are its own. */
  REDIS_KEY_PREFIX: v.optional(v.pipe(v.string(), v.regex(/^[\w.:-]{0,64}$/, 'must be 0-64 characters of letters, digits, _ . : -')), ''),
  MONGO_URL: v.optional(v.pipe(v.string(), v.regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')), 'mongodb://127.0.0.1:27017'),
  MONGO_DB: v.optional(v.pipe(v.string(), v.regex(/^[\w-]{1,63}$/, 'must be a database name')), 'crypto_oms'),
  API_HOST: v.optional(v.string(), '127.0.0.1'),
  API_PORT: Port(5000),
  RISK_PORT: Port(5001),
  MARKET_DATA_PORT: Port(5002),
  MARKET_DATA_HOST: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
  /** Shared with the venue's replay: the folder of the market data files; relative paths are from the repository. */
  MARKET_DATA_DIR: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Comma-separated .csv names in MARKET_DATA_DIR, or "none". */
  MARKET_DATA_BACKFILL_FILES: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => (s.trim() === 'none' ? [] : s.split(',').map((f) => f.trim()).filter((f) => f !== ''))),
      v.check((files) => files.every((f) => /^[\w.-]+\.csv$/.test(f)), 'must be "none" or a comma-separated list of .csv file names'),
    ),
    DEFAULT_BACKFILL_FILES.join(','),
  ),
  MARKET_DATA_BACKFILL_SYMBOL: v.optional(v.pipe(v.string(), v.regex(/^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/, 'must be a canonical symbol such as BTC-USD')), 'BTC-USD'),
  MARKET_DATA_FEED_GROUP: KafkaGroupId('market-data-group'),
  MARKET_DATA_EXECUTIONS_GROUP: KafkaGroupId('market-data-executions-group'),
  /** Prefix of the hot snapshot keys in Redis (tests give each process its own). */
  MARKET_DATA_REDIS_PREFIX: v.optional(v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . -')), 'md'),
  /** Least time between two writes of a symbol's hot snapshot, ticker update or PriceUpdate. */
  MARKET_DATA_THROTTLE_MS: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'must be an integer 10-10000'), v.transform(Number), v.minValue(10), v.maxValue(10_000)), '250'),
  VENUE_PORT: Port(5003),
  // The worker's own HTTP server (/health, /ready, /metrics) and the Temporal Core SDK's Prometheus exporter it merges.
  WORKER_HOST: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
  WORKER_PORT: Port(5004),
  WORKER_TEMPORAL_METRICS_PORT: Port(5005),
  /** An order neither terminal nor resting whose last transition is older than this counts in oms_orders_stuck. */
  ORDER_STUCK_SECONDS: PositiveInt(60),
  RISK_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://127.0.0.1:5001'),
  VENUE_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://127.0.0.1:5003'),
  /** Where the order API reaches the market data service's REST routes for the dashboard; default http://127.0.0.1:MARKET_DATA_PORT. */
  MARKET_DATA_URL: v.optional(v.pipe(v.string(), v.url('must be a URL'), v.regex(/^https?:\/\//, 'must be an http(s) URL'))),
  /** The market data WebSocket as the browser reaches it: a ws(s):// URL, or a path on the dashboard's own origin behind an ingress. */
  DASHBOARD_WS_URL: v.optional(v.pipe(v.string(), v.regex(/^(wss?:\/\/[^\s'";]+|\/[\w./-]*)$/, 'must be a ws:// or wss:// URL, or a path such as /ws/market-data'))),
  /** The built dashboard (npm start builds web/ into web/dist); relative paths are from the repository. */
  DASHBOARD_DIR: v.optional(v.pipe(v.string(), v.minLength(1))),
  IDEMPOTENCY_TTL_SECONDS: PositiveInt(86_400),
  MAX_BODY_BYTES: PositiveInt(16_384),
  ...(Object.fromEntries(Object.values(MARKET_DATA_WS_LIMITS).map((name) => [name, OptionalPositiveInt])) as Record<
    (typeof MARKET_DATA_WS_LIMITS)[MarketDataWsLimitName],
    typeof OptionalPositiveInt
  >),
  RISK_PRICE_MAX_AGE_SECONDS: PositiveInt(300),
  ...InternalAuthEnv,
  ...API_KEY_ENV,
});

type Env = v.InferOutput<typeof EnvSchema>;

/**
 * The folder the code runs from: the checkout (infra/ sits right below it), /app in the image. Relative paths in
 * the environment (MARKET_DATA_DIR) start here, so no process depends on its working directory or on scripts/.
 */
export const APP_ROOT = resolve(__dirname, '..');

export interface AppConfig {
  /** See APP_ROOT; resolve MARKET_DATA_DIR against it with marketDataDir(). */
  readonly rootDir: string;
  readonly env: Env['OMS_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly uiUrl: string;
    /** Passed to every order workflow it starts (milliseconds). */
    readonly reconcile: { readonly quietMs: number; readonly maxQuietMs: number; readonly gapGraceMs: number };
  };
  /** prefix: KAFKA_PREFIX, already part of `topics` and of the market data group ids; other group ids add it themselves. */
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string; readonly prefix: string; readonly topics: KafkaTopics };
  /** keyPrefix: before every key (createRedis applies it) and every pub/sub channel (added by who names the channel). */
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  readonly mongo: { readonly url: string; readonly db: string };
  readonly api: { readonly host: string; readonly port: number; readonly idempotencyTtlSeconds: number; readonly maxBodyBytes: number };
  /** priceMaxAgeSeconds: a PriceUpdate older than this (by its occurredAt) counts as no price at all. */
  readonly risk: { readonly host: string; readonly port: number; readonly url: string; readonly priceMaxAgeSeconds: number };
  /** Only the limits set in the environment; attachMarketDataWebSocket fills in the rest. */
  readonly marketDataWs: Readonly<Partial<Record<MarketDataWsLimitName, number>>>;
  readonly marketData: {
    readonly port: number;
    readonly host: string;
    /** As given (MARKET_DATA_DIR); resolve with marketDataDir(). */
    readonly dataDir: string | undefined;
    readonly backfillFiles: readonly string[];
    readonly backfillSymbol: string;
    readonly feedGroupId: string;
    readonly executionsGroupId: string;
    readonly redisPrefix: string;
    readonly throttleMs: number;
  };
  readonly venue: { readonly port: number; readonly url: string };
  /** The worker's HTTP server; temporalMetricsPort: the Core SDK's Prometheus exporter (on the worker's host), merged into its /metrics. */
  readonly worker: { readonly host: string; readonly port: number; readonly temporalMetricsPort: number; readonly stuckOrderSeconds: number };
  /** Signed calls to the risk engine and the venue: sign with secrets[0], accept any (infra/http/internal-auth.ts). */
  readonly internalAuth: { readonly secrets: readonly string[] };
  /** The Host names every HTTP service answers to (infra/http/request-guards.ts): localhost plus HTTP_ALLOWED_HOSTS. */
  readonly http: { readonly allowedHosts: readonly string[] };
  /** The browser dashboard the order API serves (api/routes/dashboard.ts). */
  readonly dashboard: { readonly dir: string | undefined; readonly wsUrl: string | undefined; readonly marketDataUrl: string };
  /** API key hashing (read it with apiKeyHashing()); pepper is undefined only in production when API_KEY_PEPPER is unset. */
  readonly apiKeys: { readonly pepper: string | undefined; readonly previousPepper: string | undefined; readonly acceptLegacySha256: boolean };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws a ConfigError naming each offending variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, paths: { rootDir: string } = { rootDir: APP_ROOT }): AppConfig {
  const parsed = v.safeParse(EnvSchema, env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${describeIssues(validationIssues(parsed.issues, 'environment'))}`);
  }
  const e = parsed.output;
  if (e.WORKER_PORT === e.WORKER_TEMPORAL_METRICS_PORT) {
    throw new ConfigError(`invalid configuration: WORKER_PORT and WORKER_TEMPORAL_METRICS_PORT must differ (both ${e.WORKER_PORT})`);
  }
  return {
    rootDir: paths.rootDir,
    env: e.OMS_ENV,
    logLevel: e.LOG_LEVEL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
      reconcile: {
        quietMs: e.ORDER_RECONCILE_QUIET_SECONDS * 1_000,
        maxQuietMs: Math.max(e.ORDER_RECONCILE_QUIET_SECONDS, e.ORDER_RECONCILE_MAX_QUIET_SECONDS) * 1_000,
        gapGraceMs: e.ORDER_RECONCILE_GAP_GRACE_SECONDS * 1_000,
      },
    },
    kafka: { brokers: e.KAFKA_BROKERS, clientId: e.KAFKA_CLIENT_ID, prefix: e.KAFKA_PREFIX, topics: kafkaTopics(e.KAFKA_PREFIX) },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    mongo: { url: e.MONGO_URL, db: e.MONGO_DB },
    api: { host: e.API_HOST, port: e.API_PORT, idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS, maxBodyBytes: e.MAX_BODY_BYTES },
    risk: { host: e.RISK_HOST, port: e.RISK_PORT, url: e.RISK_URL, priceMaxAgeSeconds: e.RISK_PRICE_MAX_AGE_SECONDS },
    marketDataWs: Object.fromEntries(
      Object.entries(MARKET_DATA_WS_LIMITS).flatMap(([limit, name]) => (e[name] === undefined ? [] : [[limit, e[name]]])),
    ),
    marketData: {
      port: e.MARKET_DATA_PORT,
      host: e.MARKET_DATA_HOST,
      dataDir: e.MARKET_DATA_DIR,
      backfillFiles: e.MARKET_DATA_BACKFILL_FILES,
      backfillSymbol: e.MARKET_DATA_BACKFILL_SYMBOL,
      feedGroupId: e.KAFKA_PREFIX + e.MARKET_DATA_FEED_GROUP,
      executionsGroupId: e.KAFKA_PREFIX + e.MARKET_DATA_EXECUTIONS_GROUP,
      redisPrefix: e.MARKET_DATA_REDIS_PREFIX,
      throttleMs: e.MARKET_DATA_THROTTLE_MS,
    },
    venue: { port: e.VENUE_PORT, url: e.VENUE_URL },
    worker: { host: e.WORKER_HOST, port: e.WORKER_PORT, temporalMetricsPort: e.WORKER_TEMPORAL_METRICS_PORT, stuckOrderSeconds: e.ORDER_STUCK_SECONDS },
    internalAuth: { secrets: internalAuthSecrets(e.OMS_ENV, e.INTERNAL_AUTH_SECRETS) },
    http: { allowedHosts: ['localhost', ...(e.HTTP_ALLOWED_HOSTS ?? [])] },
    dashboard: { dir: e.DASHBOARD_DIR, wsUrl: e.DASHBOARD_WS_URL, marketDataUrl: e.MARKET_DATA_URL ?? `http://127.0.0.1:${e.MARKET_DATA_PORT}` },
    apiKeys: apiKeyConfig(e.OMS_ENV, e),
  };
}

/** The market data folder: MARKET_DATA_DIR (relative to the root directory) or ../shared/data/market beside it. */
export function marketDataDir(dir: string | undefined, rootDir: string): string {
  const chosen = dir ?? join(rootDir, '..', 'shared', 'data', 'market');
  return isAbsolute(chosen) ? chosen : join(rootDir, chosen);
}

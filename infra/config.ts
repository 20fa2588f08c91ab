import * as v from 'valibot';

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

const HostPort = v.pipe(v.string(), v.regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port'));

const EnvSchema = v.object({
  OMS_ENV: v.optional(v.picklist(['development', 'test', 'production']), 'development'),
  LOG_LEVEL: v.optional(v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  TEMPORAL_ADDRESS: v.optional(HostPort, '127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: v.optional(v.pipe(v.string(), v.minLength(1)), 'default'),
  TEMPORAL_TASK_QUEUE: v.optional(v.pipe(v.string(), v.minLength(1)), 'orders'),
  TEMPORAL_UI_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://localhost:8233'),
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
  REDIS_URL: v.optional(v.pipe(v.string(), v.regex(/^rediss?:\/\//, 'must be a redis:// URL')), 'redis://127.0.0.1:6379'),
  MONGO_URL: v.optional(v.pipe(v.string(), v.regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')), 'mongodb://127.0.0.1:27017'),
  MONGO_DB: v.optional(v.pipe(v.string(), v.regex(/^[\w-]{1,63}$/, 'must be a database name')), 'crypto_oms'),
  API_HOST: v.optional(v.string(), '127.0.0.1'),
  API_PORT: Port(5000),
  RISK_PORT: Port(5001),
  MARKET_DATA_PORT: Port(5002),
  VENUE_PORT: Port(5003),
  RISK_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://127.0.0.1:5001'),
  VENUE_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://127.0.0.1:5003'),
  IDEMPOTENCY_TTL_SECONDS: PositiveInt(86_400),
  MAX_BODY_BYTES: PositiveInt(16_384),
  RISK_PRICE_MAX_AGE_SECONDS: PositiveInt(300),
});

type Env = v.InferOutput<typeof EnvSchema>;

export interface AppConfig {
  readonly env: Env['OMS_ENV'];
  readonly logLevel: Env['LOG_LEVEL'];
  readonly temporal: { readonly address: string; readonly namespace: string; readonly taskQueue: string; readonly uiUrl: string };
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string };
  readonly redis: { readonly url: string };
  readonly mongo: { readonly url: string; readonly db: string };
  readonly api: { readonly host: string; readonly port: number; readonly idempotencyTtlSeconds: number; readonly maxBodyBytes: number };
  /** priceMaxAgeSeconds: a PriceUpdate older than this (by its occurredAt) counts as no price at all. */
  readonly risk: { readonly port: number; readonly url: string; readonly priceMaxAgeSeconds: number };
  readonly marketData: { readonly port: number };
  readonly venue: { readonly port: number; readonly url: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value throws a ConfigError naming each offending variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = v.safeParse(EnvSchema, env);
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '(environment)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.output;
  return {
    env: e.OMS_ENV,
    logLevel: e.LOG_LEVEL,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE, uiUrl: e.TEMPORAL_UI_URL },
    kafka: { brokers: e.KAFKA_BROKERS, clientId: e.KAFKA_CLIENT_ID },
    redis: { url: e.REDIS_URL },
    mongo: { url: e.MONGO_URL, db: e.MONGO_DB },
    api: { host: e.API_HOST, port: e.API_PORT, idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS, maxBodyBytes: e.MAX_BODY_BYTES },
    risk: { port: e.RISK_PORT, url: e.RISK_URL, priceMaxAgeSeconds: e.RISK_PRICE_MAX_AGE_SECONDS },
    marketData: { port: e.MARKET_DATA_PORT },
    venue: { port: e.VENUE_PORT, url: e.VENUE_URL },
  };
}

import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import * as v from 'valibot';
import { describeIssues, validationIssues } from '../domain/validation-issues';
import { kafkaTopics, type KafkaTopics } from './kafka/topics';
import { INTERNAL_CALLERS, type InternalCaller } from './http/internal-auth';

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

/**
 * In development and test only, so `npm start` and the tests need no setup: each caller's development secret is this
 * with its name appended (developmentInternalSecret); a production process refuses any of them.
 */
export const DEVELOPMENT_INTERNAL_AUTH_SECRET = 'crypto-oms-development-only-internal-auth-secret';
/** The least length of a production secret: 256 bits of a random string's worth. */
export const MIN_SECRET_BYTES = 32;

/** A caller's development secret: public (it is in the repository), refused in production. */
export function developmentInternalSecret(caller: InternalCaller): string {
  return `${DEVELOPMENT_INTERNAL_AUTH_SECRET}:${caller}`;
}

const CommaList = v.pipe(
  v.string(),
  v.transform((s) => s.split(',').map((item) => item.trim()).filter((item) => item !== '')),
);

const InternalAuthEnv = {
  /** This process's own secrets for its calls to the internal services, comma-separated: it signs with the first. */
  INTERNAL_AUTH_SECRETS: v.optional(CommaList),
  /**
   * An internal service's callers (the risk engine's and the venue's): JSON, caller → the secrets it accepts from that
   * caller, e.g. {"worker":["…"],"api":["…"]}; several per caller while that caller's secret rotates.
   */
  INTERNAL_AUTH_CALLER_SECRETS: v.optional(v.string()),
  /** Host names every HTTP service answers to besides localhost and IP literals, e.g. `api,risk,.svc.cluster.local`. */
  HTTP_ALLOWED_HOSTS: v.optional(
    v.pipe(
      CommaList,
      v.check((hosts) => hosts.every((h) => /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(h)), 'must be a comma-separated list of host names (a leading dot allows the names below)'),
    ),
  ),
  RISK_HOST: v.optional(v.pipe(v.string(), v.minLength(1)), '127.0.0.1'),
};

const CallerSecretsJson = v.record(
  v.picklist(INTERNAL_CALLERS, `a caller must be one of ${INTERNAL_CALLERS.join(', ')}`),
  v.pipe(v.array(v.pipe(v.string(), v.trim(), v.minLength(1, 'a secret must not be empty'))), v.minLength(1, 'each caller needs at least one secret')),
);

/** In production: why these secrets are refused (short, or a public development one), or null. */
function weakInternalSecrets(name: string, secrets: readonly string[]): string | null {
  if (secrets.some((secret) => Buffer.byteLength(secret) < MIN_SECRET_BYTES)) return `${name}: every secret must be at least ${MIN_SECRET_BYTES} bytes when OMS_ENV=production`;
  if (secrets.some((secret) => secret.startsWith(DEVELOPMENT_INTERNAL_AUTH_SECRET))) return `${name}: the development secret is refused when OMS_ENV=production`;
  return null;
}

/** INTERNAL_AUTH_SECRETS as given (checked in production when given; internalSigningSecrets() requires it). */
function ownInternalSecrets(env: 'development' | 'test' | 'production', given: readonly string[] | undefined): readonly string[] | undefined {
  if (given === undefined || given.length === 0) return undefined;
  const weak = env === 'production' ? weakInternalSecrets('INTERNAL_AUTH_SECRETS', given) : null;
  if (weak !== null) throw new ConfigError(weak);
  return given;
}

/** INTERNAL_AUTH_CALLER_SECRETS parsed: JSON of known callers; in production strong, and no secret under two callers. */
function callerSecrets(env: 'development' | 'test' | 'production', given: string | undefined): ReadonlyMap<InternalCaller, readonly string[]> | undefined {
  if (given === undefined || given.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(given);
  } catch {
    throw new ConfigError('INTERNAL_AUTH_CALLER_SECRETS must be JSON: {"<caller>": ["<secret>", ...], ...}');
  }
  const parsed = v.safeParse(CallerSecretsJson, json);
  if (!parsed.success) throw new ConfigError(`INTERNAL_AUTH_CALLER_SECRETS: ${describeIssues(validationIssues(parsed.issues, 'INTERNAL_AUTH_CALLER_SECRETS'))}`);
  const map = new Map(Object.entries(parsed.output) as [InternalCaller, string[]][]);
  if (env === 'production') {
    const weak = weakInternalSecrets('INTERNAL_AUTH_CALLER_SECRETS', [...map.values()].flat());
    if (weak !== null) throw new ConfigError(weak);
    const owners = new Map<string, InternalCaller>();
    for (const [caller, secrets] of map) {
      for (const secret of secrets) {
        const other = owners.get(secret);
        if (other !== undefined && other !== caller) throw new ConfigError(`INTERNAL_AUTH_CALLER_SECRETS: ${other} and ${caller} share a secret, so each could call as the other (OMS_ENV=production)`);
        owners.set(secret, caller);
      }
    }
  }
  return map;
}

/**
 * The secrets a process signs its internal calls with, as `caller`: INTERNAL_AUTH_SECRETS, else (outside production)
 * the caller's development secret. Called at startup by the processes that call the risk engine or the venue.
 */
export function internalSigningSecrets(config: Pick<AppConfig, 'env' | 'internalAuth'>, caller: InternalCaller): readonly string[] {
  const given = config.internalAuth.secrets;
  if (given !== undefined) return given;
  if (config.env === 'production') throw new ConfigError('INTERNAL_AUTH_SECRETS is required when OMS_ENV=production (this process\'s own secret for its calls to the internal services)');
  return [developmentInternalSecret(caller)];
}

/**
 * The secrets an internal service accepts from each caller: INTERNAL_AUTH_CALLER_SECRETS, else (outside production)
 * every caller's development secret. Called at startup by the risk engine and the venue.
 */
export function internalCallerSecrets(config: Pick<AppConfig, 'env' | 'internalAuth'>): ReadonlyMap<InternalCaller, readonly string[]> {
  const given = config.internalAuth.callers;
  if (given !== undefined) return given;
  if (config.env === 'production') throw new ConfigError('INTERNAL_AUTH_CALLER_SECRETS is required when OMS_ENV=production (the secrets of the callers this service serves)');
  return new Map(INTERNAL_CALLERS.map((caller) => [caller, [developmentInternalSecret(caller)]]));
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

// --- OpenTelemetry traces (issue 12; README "Traces"): the standard OTEL_* variables, validated here ---

const OtlpUrl = v.optional(v.pipe(v.string(), v.url('must be a URL'), v.regex(/^https?:\/\//, 'must be an http(s) URL')));
const OtlpProtocol = v.optional(v.picklist(['http/protobuf', 'http/json'], 'must be http/protobuf or http/json (gRPC is not supported)'));
export const TRACES_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

const TelemetryEnv = {
  /** Base URL of an OTLP/HTTP receiver; traces go to <it>/v1/traces. Unset (with the next one unset too): tracing is off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: OtlpUrl,
  /** The full URL for traces alone; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: OtlpUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: OtlpProtocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: OtlpProtocol,
  /** Default: crypto-oms-<process> (api, worker, risk, venue, market-data). */
  OTEL_SERVICE_NAME: v.optional(v.pipe(v.string(), v.minLength(1))),
  OTEL_TRACES_SAMPLER: v.optional(v.picklist(TRACES_SAMPLERS, `must be one of ${TRACES_SAMPLERS.join(', ')}`), 'parentbased_always_on'),
  /** The ratio of the *traceidratio samplers, 0 to 1. */
  OTEL_TRACES_SAMPLER_ARG: v.optional(
    v.pipe(v.string(), v.regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a ratio from 0 to 1, e.g. 0.25'), v.transform(Number)),
    '1',
  ),
};

/** Where traces go (null: tracing is off), in which encoding, under which service name, sampled how. */
export interface TelemetryConfig {
  readonly tracesUrl: string | null;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly serviceName: string | undefined;
  readonly sampler: TracesSampler;
  readonly samplerRatio: number;
}

function telemetryConfig(e: v.InferOutput<v.ObjectSchema<typeof TelemetryEnv, undefined>>): TelemetryConfig {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base === undefined ? null : `${base.replace(/\/+$/, '')}/v1/traces`);
  return {
    tracesUrl,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: e.OTEL_SERVICE_NAME,
    sampler: e.OTEL_TRACES_SAMPLER,
    samplerRatio: e.OTEL_TRACES_SAMPLER_ARG,
  };
}
// ---- end of OpenTelemetry traces ----
// ---- Managed services: TLS and credentials for MSK, ElastiCache, DocumentDB, Temporal Cloud (issue 13 item 5) ----
const OnOff = (fallback: 'on' | 'off') => v.optional(v.picklist(['on', 'off']), fallback);
const FilePath = v.optional(v.pipe(v.string(), v.minLength(1)));
const Secret = v.optional(v.pipe(v.string(), v.minLength(1)));

const ManagedServicesEnv = {
  /** TLS to the brokers (MSK: on); KAFKA_SSL_CA_FILE only for a private CA (MSK's certificates chain to public ones). */
  KAFKA_SSL: OnOff('off'),
  KAFKA_SSL_CA_FILE: FilePath,
  KAFKA_SASL_MECHANISM: v.optional(v.picklist(['none', 'plain', 'scram-sha-256', 'scram-sha-512']), 'none'),
  KAFKA_SASL_USERNAME: Secret,
  KAFKA_SASL_PASSWORD: Secret,
  /** TLS comes with a rediss:// REDIS_URL; the CA file only for a private CA. */
  REDIS_TLS_CA_FILE: FilePath,
  /** AUTH: ElastiCache's auth token is the password (username only with Redis ACL users). */
  REDIS_USERNAME: Secret,
  REDIS_PASSWORD: Secret,
  MONGO_TLS: OnOff('off'),
  /** DocumentDB: its CA bundle (global-bundle.pem). */
  MONGO_TLS_CA_FILE: FilePath,
  /** DocumentDB does not support retryable writes: off. */
  MONGO_RETRY_WRITES: OnOff('on'),
  MONGO_USERNAME: Secret,
  MONGO_PASSWORD: Secret,
  /** TLS to the Temporal frontend; with a client certificate and key: mTLS (Temporal Cloud). */
  TEMPORAL_TLS: OnOff('off'),
  TEMPORAL_TLS_CERT_FILE: FilePath,
  TEMPORAL_TLS_KEY_FILE: FilePath,
  TEMPORAL_TLS_CA_FILE: FilePath,
  TEMPORAL_TLS_SERVER_NAME: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name'))),
};

type ManagedEnv = Pick<Env, keyof typeof ManagedServicesEnv | 'OMS_ENV' | 'REDIS_URL'>;

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export interface KafkaSecurity {
  readonly ssl: { readonly caFile: string | undefined } | undefined;
  readonly sasl: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string } | undefined;
}
export interface RedisSecurity {
  /** Set for a rediss:// URL. */
  readonly tls: { readonly caFile: string | undefined } | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
}
export interface MongoSecurity {
  readonly tls: { readonly caFile: string | undefined } | undefined;
  readonly retryWrites: boolean;
  readonly auth: { readonly username: string; readonly password: string } | undefined;
}
export interface TemporalTls {
  readonly clientCert: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly caFile: string | undefined;
  readonly serverName: string | undefined;
}

/** The security settings of the four clients, each combination checked; every problem named by its variables. */
function managedServices(e: ManagedEnv): { kafka: KafkaSecurity; redis: RedisSecurity; mongo: MongoSecurity; temporal: TemporalTls | undefined } {
  const problems: string[] = [];
  const both = (a: string, aValue: string | undefined, b: string, bValue: string | undefined) => {
    if ((aValue === undefined) !== (bValue === undefined)) problems.push(`${a} and ${b} go together`);
  };
  for (const name of ['KAFKA_SSL_CA_FILE', 'REDIS_TLS_CA_FILE', 'MONGO_TLS_CA_FILE', 'TEMPORAL_TLS_CERT_FILE', 'TEMPORAL_TLS_KEY_FILE', 'TEMPORAL_TLS_CA_FILE'] as const) {
    const file = e[name];
    if (file !== undefined && !existsSync(file)) problems.push(`${name}: no such file ${file}`);
  }
  const production = e.OMS_ENV === 'production';

  const saslOn = e.KAFKA_SASL_MECHANISM !== 'none';
  if (saslOn && (e.KAFKA_SASL_USERNAME === undefined || e.KAFKA_SASL_PASSWORD === undefined)) problems.push(`KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  if (!saslOn && (e.KAFKA_SASL_USERNAME !== undefined || e.KAFKA_SASL_PASSWORD !== undefined)) problems.push('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM');
  if (e.KAFKA_SSL_CA_FILE !== undefined && e.KAFKA_SSL === 'off') problems.push('KAFKA_SSL_CA_FILE needs KAFKA_SSL=on');
  if (production && saslOn && e.KAFKA_SSL === 'off') problems.push('KAFKA_SASL_MECHANISM needs KAFKA_SSL=on when OMS_ENV=production (no credentials in clear text)');

  const redisTls = e.REDIS_URL.startsWith('rediss://');
  if (e.REDIS_TLS_CA_FILE !== undefined && !redisTls) problems.push('REDIS_TLS_CA_FILE needs a rediss:// REDIS_URL');
  if (e.REDIS_USERNAME !== undefined && e.REDIS_PASSWORD === undefined) problems.push('REDIS_USERNAME needs REDIS_PASSWORD');
  if (production && e.REDIS_PASSWORD !== undefined && !redisTls) problems.push('REDIS_PASSWORD needs a rediss:// REDIS_URL when OMS_ENV=production (no credentials in clear text)');

  if (e.MONGO_TLS_CA_FILE !== undefined && e.MONGO_TLS === 'off') problems.push('MONGO_TLS_CA_FILE needs MONGO_TLS=on');
  both('MONGO_USERNAME', e.MONGO_USERNAME, 'MONGO_PASSWORD', e.MONGO_PASSWORD);

  both('TEMPORAL_TLS_CERT_FILE', e.TEMPORAL_TLS_CERT_FILE, 'TEMPORAL_TLS_KEY_FILE', e.TEMPORAL_TLS_KEY_FILE);
  const temporalTlsGiven = [e.TEMPORAL_TLS_CERT_FILE, e.TEMPORAL_TLS_KEY_FILE, e.TEMPORAL_TLS_CA_FILE, e.TEMPORAL_TLS_SERVER_NAME].some((x) => x !== undefined);
  if (temporalTlsGiven && e.TEMPORAL_TLS === 'off') problems.push('TEMPORAL_TLS_* settings need TEMPORAL_TLS=on');

  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return {
    kafka: {
      ssl: e.KAFKA_SSL === 'on' ? { caFile: e.KAFKA_SSL_CA_FILE } : undefined,
      sasl: saslOn ? { mechanism: e.KAFKA_SASL_MECHANISM as KafkaSaslMechanism, username: e.KAFKA_SASL_USERNAME!, password: e.KAFKA_SASL_PASSWORD! } : undefined,
    },
    redis: { tls: redisTls ? { caFile: e.REDIS_TLS_CA_FILE } : undefined, username: e.REDIS_USERNAME, password: e.REDIS_PASSWORD },
    mongo: {
      tls: e.MONGO_TLS === 'on' ? { caFile: e.MONGO_TLS_CA_FILE } : undefined,
      retryWrites: e.MONGO_RETRY_WRITES === 'on',
      auth: e.MONGO_USERNAME !== undefined && e.MONGO_PASSWORD !== undefined ? { username: e.MONGO_USERNAME, password: e.MONGO_PASSWORD } : undefined,
    },
    temporal:
      e.TEMPORAL_TLS === 'on'
        ? {
            clientCert: e.TEMPORAL_TLS_CERT_FILE !== undefined && e.TEMPORAL_TLS_KEY_FILE !== undefined ? { certFile: e.TEMPORAL_TLS_CERT_FILE, keyFile: e.TEMPORAL_TLS_KEY_FILE } : undefined,
            caFile: e.TEMPORAL_TLS_CA_FILE,
            serverName: e.TEMPORAL_TLS_SERVER_NAME,
          }
        : undefined,
  };
}
// ---- end of managed services ----

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
  /** Replicas of each topic the one-shot job workers/create-topics.ts creates: 1 for a single broker, 3 on MSK. */
  KAFKA_REPLICATION_FACTOR: v.optional(v.pipe(v.string(), v.regex(/^\d{1,2}$/, 'must be an integer 1-15'), v.transform(Number), v.minValue(1), v.maxValue(15)), '1'),
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
  /** Between two passes of the worker's order sweeper (workers/order-sweeper.ts), which finds resting orders whose venue reports were lost. */
  ORDER_SWEEP_INTERVAL_SECONDS: PositiveInt(30),
  /**
   * The most resting orders one pass of the order sweeper compares (a page of 400 at a time; a pass also stops after
   * one interval's work); the next pass goes on from where it stopped. Sized with the number of resting orders: a
   * whole book is covered every ceil(resting / this) intervals at best.
   */
  ORDER_SWEEP_MAX_ORDERS_PER_PASS: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,7}$/, 'must be a whole number of orders'), v.transform(Number), v.minValue(400), v.maxValue(1_000_000)),
    '8000',
  ),
  RISK_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://127.0.0.1:5001'),
  VENUE_URL: v.optional(v.pipe(v.string(), v.url('must be a URL')), 'http://127.0.0.1:5003'),
  /** Where the order API reaches the market data service's REST routes for the dashboard; default http://127.0.0.1:MARKET_DATA_PORT. */
  MARKET_DATA_URL: v.optional(v.pipe(v.string(), v.url('must be a URL'), v.regex(/^https?:\/\//, 'must be an http(s) URL'))),
  /** The market data WebSocket as the browser reaches it: a ws(s):// URL, or a path on the dashboard's own origin behind an ingress. */
  DASHBOARD_WS_URL: v.optional(v.pipe(v.string(), v.regex(/^(wss?:\/\/[^\s'";]+|\/[\w./-]*)$/, 'must be a ws:// or wss:// URL, or a path such as /ws/market-data'))),
  /** The built dashboard (npm start builds web/ into web/dist); relative paths are from the repository. */
  DASHBOARD_DIR: v.optional(v.pipe(v.string(), v.minLength(1))),
  IDEMPOTENCY_TTL_SECONDS: PositiveInt(86_400),
  /** The order API: how long one call to Redis, Mongo (server selection), Temporal or the risk engine may take before the request answers 503. */
  API_DEPENDENCY_TIMEOUT_MS: v.optional(v.pipe(v.string(), v.regex(/^\d{3,5}$/, 'must be an integer 100-60000'), v.transform(Number), v.minValue(100), v.maxValue(60_000)), '3000'),
  // The order API's rate limits (api/rate-limit.ts; README "Operating it"): fixed windows counted in Redis.
  RATE_LIMITS: v.optional(v.picklist(['on', 'off']), 'on'),
  RATE_LIMIT_KEY_PER_SECOND: PositiveInt(100),
  RATE_LIMIT_ADMIN_KEY_PER_SECOND: PositiveInt(500),
  RATE_LIMIT_ORDERS_PER_SECOND: PositiveInt(20),
  RATE_LIMIT_ADDRESS_PER_SECOND: PositiveInt(300),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: PositiveInt(20),
  RATE_LIMIT_TRUSTED_PROXY_HOPS: v.optional(v.pipe(v.string(), v.regex(/^\d$/, 'must be an integer 0-9'), v.transform(Number)), '0'),
  /** The order API: how long POST /api/orders waits for Kafka's acknowledgement before it answers 503. */
  API_PUBLISH_TIMEOUT_MS: v.optional(v.pipe(v.string(), v.regex(/^\d{3,5}$/, 'must be an integer 100-60000'), v.transform(Number), v.minValue(100), v.maxValue(60_000)), '5000'),
  MAX_BODY_BYTES: PositiveInt(16_384),
  ...(Object.fromEntries(Object.values(MARKET_DATA_WS_LIMITS).map((name) => [name, OptionalPositiveInt])) as Record<
    (typeof MARKET_DATA_WS_LIMITS)[MarketDataWsLimitName],
    typeof OptionalPositiveInt
  >),
  RISK_PRICE_MAX_AGE_SECONDS: PositiveInt(300),
  ...InternalAuthEnv,
  ...API_KEY_ENV,
  ...TelemetryEnv,
  ...ManagedServicesEnv,
});

type Env = v.InferOutput<typeof EnvSchema>;

/** Every variable the schema knows (the compose and image checks refuse a variable no process reads). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(EnvSchema.entries));

/**
 * The folder the code runs from: the checkout (infra/ sits right below it, or below dist/ for the compiled code of
 * `npm run build`), /app in the image. Relative paths in the environment (MARKET_DATA_DIR, DASHBOARD_DIR) start here,
 * so no process depends on its working directory or on scripts/, and the built code finds what the source code finds.
 */
const CODE_ROOT = resolve(__dirname, '..');
export const APP_ROOT = basename(CODE_ROOT) === 'dist' ? dirname(CODE_ROOT) : CODE_ROOT;

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
    /** TLS (mTLS with a client certificate) to the frontend; undefined: plain. */
    readonly tls: TemporalTls | undefined;
    /** Passed to every order workflow it starts (milliseconds). */
    readonly reconcile: { readonly quietMs: number; readonly maxQuietMs: number; readonly gapGraceMs: number };
  };
  /** prefix: KAFKA_PREFIX, already part of `topics` and of the market data group ids; other group ids add it themselves. */
  readonly kafka: { readonly brokers: readonly string[]; readonly clientId: string; readonly prefix: string; readonly topics: KafkaTopics; readonly replicationFactor: number } & KafkaSecurity;
  /** keyPrefix: before every key (createRedis applies it) and every pub/sub channel (added by who names the channel). */
  readonly redis: { readonly url: string; readonly keyPrefix: string } & RedisSecurity;
  readonly mongo: { readonly url: string; readonly db: string } & MongoSecurity;
  readonly api: {
    readonly host: string;
    readonly port: number;
    readonly idempotencyTtlSeconds: number;
    readonly maxBodyBytes: number;
    /** Bounds of the waits behind a request, so an outage answers 503 + Retry-After in seconds (README "Operating it"). */
    readonly dependencyTimeoutMs: number;
    readonly publishTimeoutMs: number;
  };
  /** The order API's rate limits (api/rate-limit.ts). */
  readonly rateLimits: {
    readonly enabled: boolean;
    /** Requests per second per API key, every route; admin keys get adminKeyPerSecond instead. */
    readonly keyPerSecond: number;
    readonly adminKeyPerSecond: number;
    /** New orders (POST /api/orders) per second per API key, on top of the request limit. */
    readonly ordersPerSecond: number;
    /** Requests per second per source address, before authentication. */
    readonly addressPerSecond: number;
    /** Failed authentications per source address per minute; beyond it every attempt from there is refused until the window ends. */
    readonly authFailuresPerMinute: number;
    /** Proxies in front of the API that append to X-Forwarded-For (0: the TCP peer is the client). */
    readonly trustedProxyHops: number;
  };
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
  readonly worker: { readonly host: string; readonly port: number; readonly temporalMetricsPort: number; readonly stuckOrderSeconds: number; readonly sweepIntervalMs: number; readonly sweepMaxPerPass: number };
  /**
   * Signed calls to the risk engine and the venue (infra/http/internal-auth.ts), as given: read them with
   * internalSigningSecrets() (this process's own, it signs with the first) and internalCallerSecrets() (an internal
   * service's, per caller), which fill in the development ones and require them in production.
   */
  readonly internalAuth: { readonly secrets: readonly string[] | undefined; readonly callers: ReadonlyMap<InternalCaller, readonly string[]> | undefined };
  /** The Host names every HTTP service answers to (infra/http/request-guards.ts): localhost plus HTTP_ALLOWED_HOSTS. */
  readonly http: { readonly allowedHosts: readonly string[] };
  /** The browser dashboard the order API serves (api/routes/dashboard.ts). */
  readonly dashboard: { readonly dir: string | undefined; readonly wsUrl: string | undefined; readonly marketDataUrl: string };
  /** API key hashing (read it with apiKeyHashing()); pepper is undefined only in production when API_KEY_PEPPER is unset. */
  readonly apiKeys: { readonly pepper: string | undefined; readonly previousPepper: string | undefined; readonly acceptLegacySha256: boolean };
  /** OpenTelemetry traces (infra/telemetry/tracing.ts). */
  readonly telemetry: TelemetryConfig;
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
  const managed = managedServices(e);
  return {
    rootDir: paths.rootDir,
    env: e.OMS_ENV,
    logLevel: e.LOG_LEVEL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
      tls: managed.temporal,
      reconcile: {
        quietMs: e.ORDER_RECONCILE_QUIET_SECONDS * 1_000,
        maxQuietMs: Math.max(e.ORDER_RECONCILE_QUIET_SECONDS, e.ORDER_RECONCILE_MAX_QUIET_SECONDS) * 1_000,
        gapGraceMs: e.ORDER_RECONCILE_GAP_GRACE_SECONDS * 1_000,
      },
    },
    kafka: { brokers: e.KAFKA_BROKERS, clientId: e.KAFKA_CLIENT_ID, prefix: e.KAFKA_PREFIX, topics: kafkaTopics(e.KAFKA_PREFIX), replicationFactor: e.KAFKA_REPLICATION_FACTOR, ...managed.kafka },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, ...managed.redis },
    mongo: { url: e.MONGO_URL, db: e.MONGO_DB, ...managed.mongo },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      dependencyTimeoutMs: e.API_DEPENDENCY_TIMEOUT_MS,
      publishTimeoutMs: e.API_PUBLISH_TIMEOUT_MS,
    },
    rateLimits: {
      enabled: e.RATE_LIMITS === 'on',
      keyPerSecond: e.RATE_LIMIT_KEY_PER_SECOND,
      adminKeyPerSecond: e.RATE_LIMIT_ADMIN_KEY_PER_SECOND,
      ordersPerSecond: e.RATE_LIMIT_ORDERS_PER_SECOND,
      addressPerSecond: e.RATE_LIMIT_ADDRESS_PER_SECOND,
      authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
      trustedProxyHops: e.RATE_LIMIT_TRUSTED_PROXY_HOPS,
    },
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
    worker: { host: e.WORKER_HOST, port: e.WORKER_PORT, temporalMetricsPort: e.WORKER_TEMPORAL_METRICS_PORT, stuckOrderSeconds: e.ORDER_STUCK_SECONDS, sweepIntervalMs: e.ORDER_SWEEP_INTERVAL_SECONDS * 1_000, sweepMaxPerPass: e.ORDER_SWEEP_MAX_ORDERS_PER_PASS },
    internalAuth: { secrets: ownInternalSecrets(e.OMS_ENV, e.INTERNAL_AUTH_SECRETS), callers: callerSecrets(e.OMS_ENV, e.INTERNAL_AUTH_CALLER_SECRETS) },
    http: { allowedHosts: ['localhost', ...(e.HTTP_ALLOWED_HOSTS ?? [])] },
    dashboard: { dir: e.DASHBOARD_DIR, wsUrl: e.DASHBOARD_WS_URL, marketDataUrl: e.MARKET_DATA_URL ?? `http://127.0.0.1:${e.MARKET_DATA_PORT}` },
    apiKeys: apiKeyConfig(e.OMS_ENV, e),
    telemetry: telemetryConfig(e),
  };
}

/** The market data folder: MARKET_DATA_DIR (relative to the root directory) or ../shared/data/market beside it. */
export function marketDataDir(dir: string | undefined, rootDir: string): string {
  const chosen = dir ?? join(rootDir, '..', 'shared', 'data', 'market');
  return isAbsolute(chosen) ? chosen : join(rootDir, chosen);
}

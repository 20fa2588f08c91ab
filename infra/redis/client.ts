import { Redis, type RedisOptions } from 'ioredis';
import { readFileSync } from 'node:fs';
import type { RedisSecurity } from '../config';
import type { Logger } from '../logger';

/**
 * One ioredis connection per process. It reconnects forever with a capped backoff; while it is down,
 * commands fail after a few reconnect attempts instead of queueing for long, so an HTTP request answers
 * 503 quickly. Connection errors are logged here: an EventEmitter 'error' without a listener would crash.
 * `keyPrefix` (REDIS_KEY_PREFIX) goes before every key of every command, Lua scripts' KEYS included, so code names
 * keys as if it were alone (`prices:BTC-USD`) and a test run's keys stay its own. ioredis does not prefix pub/sub
 * channels nor SCAN/KEYS patterns: who names a channel or pattern adds it (withKeyPrefix below).
 */
export function createRedis(
  config: { readonly url: string; readonly keyPrefix: string } & Partial<RedisSecurity>,
  logger: Logger,
  /**
   * commandTimeoutMs: a command without an answer by then fails ("Command timed out"), queued ones included: a
   * process that answers clients (the order API) passes a few seconds, so a hung or unreachable Redis is a quick 503.
   */
  options: { commandTimeoutMs?: number } = {},
): Redis {
  const log = logger.child({ component: 'redis' });
  const redis = new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    ...redisSecurityOptions(config),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    connectTimeout: 5_000,
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
    // After a failover (ElastiCache), the old primary answers READONLY: reconnect and resend the command.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    // Commands issued in the same event-loop turn by concurrent requests share one round trip.
    enableAutoPipelining: true,
  });
  let failures = 0;
  redis.on('error', (error: Error) => {
    failures += 1;
    log.error({ err: error, consecutiveFailures: failures }, 'redis_error');
  });
  redis.on('ready', () => {
    if (failures > 0) log.info({ afterFailures: failures }, 'redis_reconnected');
    else log.debug('redis_ready');
    failures = 0;
  });
  redis.on('reconnecting', (delayMs: number) => log.debug({ delayMs }, 'redis_reconnecting'));
  return redis;
}

/**
 * Resolves once the connection is ready; rejects when it ends first or is not ready within `timeoutMs`. Call it before
 * a first SUBSCRIBE or PSUBSCRIBE: between a socket's connect and its ready check's answer ioredis writes those at once
 * (Redis allows them while loading), the connection turns into a subscriber, the ready check's INFO is then refused
 * ("Connection in subscriber mode"), and ioredis reconnects without the subscription, which nothing reports. Once
 * ready, a reconnect restores the subscriptions by itself.
 */
export async function whenReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') throw new Error('redis connection closed');
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => done();
    const onEnd = () => done(new Error('redis connection closed before it was ready'));
    const timer = setTimeout(() => done(new Error(`redis not ready within ${timeoutMs} ms (${redis.status})`)), timeoutMs);
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}

/** TLS (a rediss:// URL, with a private CA when REDIS_TLS_CA_FILE is set) and AUTH (ElastiCache's auth token), as ioredis takes them. */
export function redisSecurityOptions(config: Partial<RedisSecurity>): Pick<RedisOptions, 'tls' | 'username' | 'password'> {
  const options: Pick<RedisOptions, 'tls' | 'username' | 'password'> = {};
  if (config.tls !== undefined) options.tls = config.tls.caFile === undefined ? {} : { ca: readFileSync(config.tls.caFile, 'utf8') };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  return options;
}

/** A pub/sub channel or a KEYS/SCAN pattern under the client's key prefix, which ioredis puts before keys only. */
export function withKeyPrefix(redis: Redis, name: string): string {
  return `${redis.options.keyPrefix ?? ''}${name}`;
}

/** A channel or key as Redis reports it (pmessage, KEYS, SCAN), without the client's key prefix: the name code uses. */
export function withoutKeyPrefix(redis: Redis, name: string): string {
  const prefix = redis.options.keyPrefix ?? '';
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

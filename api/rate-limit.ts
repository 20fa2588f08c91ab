import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { DomainError } from '../domain/errors';
import type { Logger } from '../infra/logger';
import type { CounterSpec, CounterState } from '../infra/redis/rate-counters';
import type { AppEnv } from './context';

/** The order API's limits (config.rateLimits; README "Operating it", Rate limits). */
export interface RateLimitConfig {
  readonly enabled: boolean;
  /** Requests per second per API key, every route; admin keys get adminKeyPerSecond instead. */
  readonly keyPerSecond: number;
  readonly adminKeyPerSecond: number;
  /** New orders (POST /api/orders) per second per API key, on top of the request limit. */
  readonly ordersPerSecond: number;
  /** Requests per second per source address, before authentication. */
  readonly addressPerSecond: number;
  /** Failed authentications per source address per minute; beyond it every attempt from there is refused until the minute ends. */
  readonly authFailuresPerMinute: number;
  /** Proxies in front of the API that append to X-Forwarded-For (0: the TCP peer is the client). */
  readonly trustedProxyHops: number;
}

/** What the middleware needs of the counters (infra/redis/rate-counters.ts RedisRateCounters). */
export interface RateCounterStore {
  readonly available: boolean;
  hit(subject: string, counters: readonly CounterSpec[]): Promise<CounterState[]>;
}

interface Policy {
  /** Its name in the RateLimit-Policy and RateLimit headers. */
  name: string;
  limit: number;
  windowMs: number;
}

interface Checked {
  policy: Policy;
  state: CounterState;
  /** Counted policies are over when this request passed the limit; read-only ones (auth failures) when it was reached. */
  exceeded: boolean;
}

export interface ApiRateLimits {
  /** Before authentication, on every /api route: the per-address limit and the failed-authentication lock-out. */
  byAddress: MiddlewareHandler<AppEnv>;
  /** After authentication: the per-key limits. Sets RateLimit-Policy and RateLimit on the answer. */
  byKey: MiddlewareHandler<AppEnv>;
  /** Checks not made because Redis was unavailable (the limits fail open), and requests refused. */
  stats(): { failedOpen: number; limited: number };
}

const SECOND = 1_000;
const MINUTE = 60_000;
const WARN_EVERY_MS = 10_000;

/**
 * Rate limits of the order API, counted in Redis (one round trip per check: a Lua script over one subject's fixed-window
 * counters, which expire with their window). Over a limit: 429 RATE_LIMITED with Retry-After and the IETF headers of
 * draft-ietf-httpapi-ratelimit-headers-10 in their structured-field form (`RateLimit-Policy: "key";q=100;w=1` and
 * `RateLimit: "key";r=0;t=1`). When Redis is unavailable the limits fail open (logged at most every 10 s, counted in
 * stats()): a limit is protection, and the requests that need Redis (placing orders) answer 503 on their own.
 */
export function createRateLimits(counters: RateCounterStore, config: RateLimitConfig, logger: Logger): ApiRateLimits {
  const log = logger.child({ component: 'rate-limit' });
  const byRequest = new WeakMap<Request, Checked[]>();
  let failedOpen = 0;
  let limited = 0;
  let lastWarning = 0;

  const addressPolicy: Policy = { name: 'address', limit: config.addressPerSecond, windowMs: SECOND };
  const authFailurePolicy: Policy = { name: 'auth-failures', limit: config.authFailuresPerMinute, windowMs: MINUTE };
  const keyPolicy: Policy = { name: 'key', limit: config.keyPerSecond, windowMs: SECOND };
  const adminKeyPolicy: Policy = { name: 'admin-key', limit: config.adminKeyPerSecond, windowMs: SECOND };
  const ordersPolicy: Policy = { name: 'orders', limit: config.ordersPerSecond, windowMs: SECOND };

  const failOpen = (error: unknown): null => {
    failedOpen += 1;
    const now = Date.now();
    if (now - lastWarning >= WARN_EVERY_MS) {
      lastWarning = now;
      log.warn({ err: error, failedOpen }, 'rate_limit.unavailable');
    }
    return null;
  };

  /** Counts (or reads) the subject's counters; null when Redis cannot answer (fail open). */
  const check = async (subject: string, specs: ReadonlyArray<{ policy: Policy; counter: string; increment: boolean }>): Promise<Checked[] | null> => {
    if (!counters.available) return failOpen(new Error('Redis is not connected'));
    let states: CounterState[];
    try {
      states = await counters.hit(subject, specs.map((s) => ({ key: s.counter, windowMs: s.policy.windowMs, increment: s.increment })));
    } catch (error) {
      return failOpen(error);
    }
    return specs.map((s, i) => {
      const state = states[i]!;
      return { policy: s.policy, state, exceeded: s.increment ? state.count > s.policy.limit : state.count >= s.policy.limit };
    });
  };

  /** Sets the headers of what was checked; over a limit, refuses with 429 and Retry-After. */
  const answer = (c: Context<AppEnv>, checked: readonly Checked[]): void => {
    const shown = checked.filter((x) => x.policy !== authFailurePolicy || x.exceeded);
    if (shown.length > 0) {
      c.header('RateLimit-Policy', shown.map((x) => `"${x.policy.name}";q=${x.policy.limit};w=${x.policy.windowMs / SECOND}`).join(', '));
      c.header('RateLimit', shown.map((x) => `"${x.policy.name}";r=${Math.max(0, x.policy.limit - x.state.count)};t=${seconds(x.state.resetMs)}`).join(', '));
    }
    const over = checked.find((x) => x.exceeded);
    if (over === undefined) return;
    limited += 1;
    const retryAfter = Math.max(1, seconds(over.state.resetMs));
    c.header('Retry-After', String(retryAfter));
    const what =
      over.policy === authFailurePolicy
        ? `too many failed authentications from this address (${over.policy.limit} a minute)`
        : `rate limit "${over.policy.name}" of ${over.policy.limit} requests per ${over.policy.windowMs / SECOND} s reached`;
    throw new DomainError('RATE_LIMITED', `${what}; retry after ${retryAfter} s`, { policy: over.policy.name, limit: over.policy.limit, retryAfterSeconds: retryAfter });
  };

  const byAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!config.enabled) return next();
    const subject = `addr:${sourceAddress(c, config.trustedProxyHops)}`;
    const checked = await check(subject, [
      { policy: addressPolicy, counter: 'req', increment: true },
      { policy: authFailurePolicy, counter: 'authfail', increment: false },
    ]);
    if (checked !== null) {
      byRequest.set(c.req.raw, checked);
      answer(c, checked);
    }
    await next();
    // The authentication's refusal was turned into its 401 below this middleware: count it for the address.
    if (c.error instanceof DomainError && c.error.code === 'UNAUTHENTICATED' && counters.available) {
      await counters.hit(subject, [{ key: 'authfail', windowMs: MINUTE, increment: true }]).catch(failOpen);
    }
  };

  const byKey: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!config.enabled) return next();
    const isNewOrder = c.req.method === 'POST' && /^\/api\/orders\/?$/.test(c.req.path);
    const checked = await check(`key:${c.var.keyId}`, [
      { policy: c.var.role === 'admin' ? adminKeyPolicy : keyPolicy, counter: 'req', increment: true },
      ...(isNewOrder ? [{ policy: ordersPolicy, counter: 'orders', increment: true }] : []),
    ]);
    if (checked !== null) answer(c, [...(byRequest.get(c.req.raw) ?? []), ...checked]);
    await next();
  };

  return { byAddress, byKey, stats: () => ({ failedOpen, limited }) };
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / SECOND));

/** The client's address: the TCP peer's, or with trusted proxies in front, the X-Forwarded-For entry they appended. */
function sourceAddress(c: Context<AppEnv>, trustedProxyHops: number): string {
  if (trustedProxyHops > 0) {
    const chain = (c.req.header('X-Forwarded-For') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const forwarded = chain[chain.length - trustedProxyHops];
    if (forwarded !== undefined && forwarded.length <= 64) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not served by @hono/node-server (app.request in a unit test): no socket to ask.
    return 'unknown';
  }
}

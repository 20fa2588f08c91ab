import type { MiddlewareHandler } from 'hono';
import { DomainError } from '../domain/errors';
import { RateLimitChecker, sourceAddress, type PolicyCheck, type RateCounterStore, type RatePolicy } from '../infra/http/rate-limit';
import type { AppConfig } from '../infra/config';
import type { Logger } from '../infra/logger';
import type { AppEnv } from './context';

/** The order API's limits (README "Operating it", Rate limits): config.rateLimits, described where the config declares it. */
export type RateLimitConfig = AppConfig['rateLimits'];

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

/**
 * Rate limits of the order API, counted in Redis (infra/http/rate-limit.ts: one round trip per check, fixed windows
 * that expire, 429 with Retry-After and the IETF RateLimit headers). When Redis is unavailable the limits fail open: a
 * limit is protection, and the requests that need Redis (placing orders) answer 503 on their own.
 */
export function createRateLimits(counters: RateCounterStore, config: RateLimitConfig, logger: Logger): ApiRateLimits {
  const checker = new RateLimitChecker(counters, logger);
  const byRequest = new WeakMap<Request, PolicyCheck[]>();

  const addressPolicy: RatePolicy = { name: 'address', limit: config.addressPerSecond, windowMs: SECOND };
  const authFailurePolicy: RatePolicy = {
    name: 'auth-failures',
    limit: config.authFailuresPerMinute,
    windowMs: MINUTE,
    describe: `too many failed authentications from this address (${config.authFailuresPerMinute} a minute)`,
  };
  const keyPolicy: RatePolicy = { name: 'key', limit: config.keyPerSecond, windowMs: SECOND };
  const adminKeyPolicy: RatePolicy = { name: 'admin-key', limit: config.adminKeyPerSecond, windowMs: SECOND };
  const ordersPolicy: RatePolicy = { name: 'orders', limit: config.ordersPerSecond, windowMs: SECOND };
  // The lock-out shows in the headers only when it refuses.
  const shown = (checked: readonly PolicyCheck[]) => checked.filter((x) => x.policy !== authFailurePolicy || x.exceeded);

  const byAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!config.enabled) return next();
    const subject = `addr:${sourceAddress(c, config.trustedProxyHops)}`;
    const checked = await checker.check(subject, [
      { policy: addressPolicy, counter: 'req', increment: true },
      { policy: authFailurePolicy, counter: 'authfail', increment: false },
    ]);
    if (checked !== null) {
      byRequest.set(c.req.raw, checked);
      checker.apply(c, shown(checked), checked);
    }
    await next();
    // The authentication's refusal was turned into its 401 below this middleware: count it for the address.
    if (c.error instanceof DomainError && c.error.code === 'UNAUTHENTICATED') await checker.count(subject, 'authfail', MINUTE);
  };

  const byKey: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!config.enabled) return next();
    const isNewOrder = c.req.method === 'POST' && /^\/api\/orders\/?$/.test(c.req.path);
    const checked = await checker.check(`key:${c.get('keyId')}`, [
      { policy: c.get('role') === 'admin' ? adminKeyPolicy : keyPolicy, counter: 'req', increment: true },
      ...(isNewOrder ? [{ policy: ordersPolicy, counter: 'orders', increment: true }] : []),
    ]);
    if (checked !== null) {
      const all = [...(byRequest.get(c.req.raw) ?? []), ...checked];
      checker.apply(c, shown(all), all);
    }
    await next();
  };

  return { byAddress, byKey, stats: () => checker.stats() };
}

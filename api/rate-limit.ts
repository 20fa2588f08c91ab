import type { Context, MiddlewareHandler } from 'hono';
import { DomainError } from '../domain/errors';
import { RateLimitChecker, sourceAddress, type PolicyCheck, type RateCounterStore, type RatePolicy } from '../infra/http/rate-limit';
import type { AppConfig } from '../infra/config';
import type { IdempotencyBeginResult } from '../infra/redis/idempotency-store';
import type { RedisOrderAdmission } from '../infra/redis/order-admission';
import type { Logger } from '../infra/logger';
import type { AppEnv } from './context';

/** The order API's limits (README "Operating it", Rate limits): config.rateLimits, described where the config declares it. */
export type RateLimitConfig = AppConfig['rateLimits'];

export interface ApiRateLimits {
  /** Before authentication, on every /api route: the per-address limit and the failed-authentication lock-out. */
  byAddress: MiddlewareHandler<AppEnv>;
  /** After authentication: the per-key limits. Sets RateLimit-Policy and RateLimit on the answer. */
  byKey: MiddlewareHandler<AppEnv>;
  /**
   * Before an API key is looked up in the store: a check byAddress deferred is made now, so an address over its
   * limits (a flood of unknown keys) is refused before it reaches the store, as without the deferral.
   */
  beforeKeyLookup(c: Context<AppEnv>): Promise<void>;
  /**
   * POST /api/orders: the checks byAddress and byKey deferred, made together with the idempotency claim in one Redis
   * round trip (infra/redis/order-admission.ts); over a limit it throws the 429 and nothing is claimed. undefined when
   * nothing was deferred, or when Redis could not be asked (the limits failed open): then the caller claims the key.
   */
  admitOrder(c: Context<AppEnv>, claim: OrderClaim): Promise<IdempotencyBeginResult | undefined>;
  /** Checks not made because Redis was unavailable (the limits fail open), and requests refused. */
  stats(): { failedOpen: number; limited: number };
}

/** What POST /api/orders claims: the account, its Idempotency-Key and the request's fingerprint. */
export interface OrderClaim {
  scope: string;
  key: string;
  fingerprint: string;
}

/** One subject's checks: which counter each policy uses, and whether this request counts on it or only reads it. */
type Check = { policy: RatePolicy; counter: string; increment: boolean };

/** The checks of a new order not made yet: made by admitOrder, or after the answer if the route never got there. */
interface Deferred {
  address: string | undefined;
  key: { subject: string; checks: Check[] } | undefined;
}

const SECOND = 1_000;
const MINUTE = 60_000;
const NEW_ORDER_PATH = /^\/api\/orders\/?$/;

/**
 * Rate limits of the order API, counted in Redis (infra/http/rate-limit.ts: one round trip per check, fixed windows
 * that expire, 429 with Retry-After and the IETF RateLimit headers). When Redis is unavailable the limits fail open: a
 * limit is protection, and the requests that need Redis (placing orders) answer 503 on their own.
 *
 * With `admission`, a new order (POST /api/orders) makes its address and key checks with its idempotency claim, in one
 * round trip: byAddress and byKey only note them (and the key's lookup in the store still waits for the address check:
 * beforeKeyLookup). A request that ends before the claim (a 401, a 400) is checked after its answer was made, and a
 * request over a limit then answers 429 instead: every request counts, and a refused one answers as it did.
 */
export function createRateLimits(counters: RateCounterStore, config: RateLimitConfig, logger: Logger, admission?: Pick<RedisOrderAdmission, 'available' | 'admit'>): ApiRateLimits {
  const checker = new RateLimitChecker(counters, logger);
  const addressChecks = new WeakMap<Context, PolicyCheck[]>();
  const deferredChecks = new WeakMap<Context, Deferred>();

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
  const byAddressChecks: Check[] = [
    { policy: addressPolicy, counter: 'req', increment: true },
    { policy: authFailurePolicy, counter: 'authfail', increment: false },
  ];
  // The lock-out shows in the headers only when it refuses.
  const shown = (checked: readonly PolicyCheck[]) => checked.filter((x) => x.policy !== authFailurePolicy || x.exceeded);
  const isNewOrder = (c: Context) => c.req.method === 'POST' && NEW_ORDER_PATH.test(c.req.path);

  /** The address's checks, judged: headers set, 429 thrown when over. */
  const applyAddress = (c: Context, checked: PolicyCheck[]) => {
    addressChecks.set(c, checked);
    checker.apply(c, shown(checked), checked);
  };
  /** The key's checks, judged: the headers show the address's policies and the key's; 429 thrown when over. */
  const applyKey = (c: Context, checked: PolicyCheck[]) => {
    const all = [...(addressChecks.get(c) ?? []), ...checked];
    checker.apply(c, shown(all), all);
  };
  const checkAddress = async (c: Context, subject: string) => {
    const checked = await checker.check(subject, byAddressChecks);
    if (checked !== null) applyAddress(c, checked);
  };
  const checkKey = async (c: Context, subject: string, checks: Check[]) => {
    const checked = await checker.check(subject, checks);
    if (checked !== null) applyKey(c, checked);
  };
  /** Makes the deferred checks still open, one at a time as without the deferral (a refused address counts no key). */
  const settle = async (c: Context, deferred: Deferred | undefined) => {
    if (deferred === undefined) return;
    const { address, key } = deferred;
    deferred.address = undefined;
    deferred.key = undefined;
    if (address !== undefined) await checkAddress(c, address);
    if (key !== undefined) await checkKey(c, key.subject, key.checks);
  };

  const byAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!config.enabled) return next();
    const subject = `addr:${sourceAddress(c, config.trustedProxyHops)}`;
    if (admission !== undefined && isNewOrder(c)) {
      const deferred: Deferred = { address: subject, key: undefined };
      deferredChecks.set(c, deferred);
      await next();
      // Ended before admitOrder: checked now, and a request over a limit answers 429 rather than what it got.
      await settle(c, deferred);
    } else {
      await checkAddress(c, subject);
      await next();
    }
    // The authentication's refusal was turned into its 401 below this middleware: count it for the address.
    if (c.error instanceof DomainError && c.error.code === 'UNAUTHENTICATED') await checker.count(subject, 'authfail', MINUTE);
  };

  const byKey: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!config.enabled) return next();
    const subject = `key:${c.get('keyId')}`;
    const checks: Check[] = [
      { policy: c.get('role') === 'admin' ? adminKeyPolicy : keyPolicy, counter: 'req', increment: true },
      ...(isNewOrder(c) ? [{ policy: ordersPolicy, counter: 'orders', increment: true }] : []),
    ];
    const deferred = deferredChecks.get(c);
    if (deferred?.address === undefined) {
      await checkKey(c, subject, checks);
      await next();
      return;
    }
    deferred.key = { subject, checks };
    await next();
    await settle(c, deferred);
  };

  const admitOrder = async (c: Context<AppEnv>, claim: OrderClaim): Promise<IdempotencyBeginResult | undefined> => {
    const deferred = deferredChecks.get(c);
    if (admission === undefined || deferred?.address === undefined || deferred.key === undefined) {
      await settle(c, deferred);
      return undefined;
    }
    const { address, key } = deferred;
    deferred.address = undefined;
    deferred.key = undefined;
    const limited = (checks: Check[]) => checks.map((x) => ({ key: x.counter, windowMs: x.policy.windowMs, increment: x.increment, limit: x.policy.limit }));
    let admitted;
    try {
      if (!admission.available) throw new Error('Redis is not connected');
      admitted = await admission.admit(
        [
          { subject: address, counters: limited(byAddressChecks) },
          { subject: key.subject, counters: limited(key.checks) },
        ],
        claim,
      );
    } catch (error) {
      // Two checks not made, as byAddress and byKey would have counted them; the caller's own claim fails or not.
      checker.failOpen(error);
      checker.failOpen(error);
      return undefined;
    }
    const [addressStates, keyStates] = admitted.states;
    applyAddress(c, checker.judge(byAddressChecks, addressStates!));
    if (keyStates !== undefined) applyKey(c, checker.judge(key.checks, keyStates));
    if (admitted.begun === null) throw new Error('the admission script refused an order that no limit refuses');
    return admitted.begun;
  };

  return {
    byAddress,
    byKey,
    beforeKeyLookup: (c) => settle(c, deferredChecks.get(c)),
    admitOrder,
    stats: () => checker.stats(),
  };
}

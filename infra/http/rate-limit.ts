import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../logger';
import type { CounterSpec, CounterState } from '../redis/rate-counters';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../metrics/registry';

/** What a limiter needs of the counters (infra/redis/rate-counters.ts RedisRateCounters). */
export interface RateCounterStore {
  readonly available: boolean;
  hit(subject: string, counters: readonly CounterSpec[]): Promise<CounterState[]>;
}

export interface RatePolicy {
  /** Its name in the RateLimit-Policy and RateLimit headers and in the 429's details.policy. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  /** What the 429 says is over, e.g. "too many failed authentications"; by default the limit and its window. */
  readonly describe?: string;
}

export interface PolicyCheck {
  readonly policy: RatePolicy;
  readonly state: CounterState;
  /** A counted policy is over when this request passed its limit; a read-only one (e.g. auth failures) when it was reached. */
  readonly exceeded: boolean;
}

const SECOND = 1_000;
const WARN_EVERY_MS = 10_000;

const refusedTotal = new Counter({
  name: 'oms_rate_limited_total',
  help: 'Requests refused with 429 RATE_LIMITED, by the policy that refused them (key, admin-key, orders, address, auth-failures)',
  labelNames: ['policy'] as const,
  registers: [metricsRegistry],
});
const failedOpenTotal = new Counter({
  name: 'oms_rate_limit_failed_open_total',
  help: 'Rate-limit checks not made because Redis could not answer (the request went through)',
  registers: [metricsRegistry],
});

/**
 * Rate-limit checks against Redis counters, shared by the services that limit their REST routes (the order API:
 * api/rate-limit.ts; market data). One round trip per check; over a limit, 429 RATE_LIMITED with Retry-After and the
 * headers of draft-ietf-httpapi-ratelimit-headers-10 in their structured-field form (`RateLimit-Policy: "key";q=100;w=1`,
 * `RateLimit: "key";r=0;t=1`). When Redis cannot answer the check fails open (logged at most every 10 s, counted).
 */
export class RateLimitChecker {
  private failedOpen = 0;
  private limited = 0;
  private lastWarning = 0;
  private readonly log: Logger;

  constructor(
    private readonly counters: RateCounterStore,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'rate-limit' });
  }

  /** Counts (or only reads) one subject's counters; null when Redis cannot answer (fail open). */
  async check(subject: string, specs: ReadonlyArray<{ policy: RatePolicy; counter: string; increment: boolean }>): Promise<PolicyCheck[] | null> {
    if (!this.counters.available) return this.failOpen(new Error('Redis is not connected'));
    let states: CounterState[];
    try {
      states = await this.counters.hit(subject, specs.map((s) => ({ key: s.counter, windowMs: s.policy.windowMs, increment: s.increment })));
    } catch (error) {
      return this.failOpen(error);
    }
    return this.judge(specs, states);
  }

  /** The policies' checks from their counters' states, however they were read (also infra/redis/order-admission.ts). */
  judge(specs: ReadonlyArray<{ policy: RatePolicy; increment: boolean }>, states: readonly CounterState[]): PolicyCheck[] {
    return specs.map((s, i) => {
      const state = states[i]!;
      return { policy: s.policy, state, exceeded: s.increment ? state.count > s.policy.limit : state.count >= s.policy.limit };
    });
  }

  /** Counts one event of a subject (e.g. a failed authentication), failing open. */
  async count(subject: string, counter: string, windowMs: number): Promise<void> {
    if (!this.counters.available) return;
    await this.counters.hit(subject, [{ key: counter, windowMs, increment: true }]).catch((error: unknown) => this.failOpen(error));
  }

  /** Sets the headers of the shown policies; when any checked policy is over, refuses with 429 and Retry-After. */
  apply(c: Context, shown: readonly PolicyCheck[], checked: readonly PolicyCheck[] = shown): void {
    if (shown.length > 0) {
      c.header('RateLimit-Policy', shown.map((x) => `"${x.policy.name}";q=${x.policy.limit};w=${x.policy.windowMs / SECOND}`).join(', '));
      c.header('RateLimit', shown.map((x) => `"${x.policy.name}";r=${Math.max(0, x.policy.limit - x.state.count)};t=${seconds(x.state.resetMs)}`).join(', '));
    }
    const over = checked.find((x) => x.exceeded);
    if (over === undefined) return;
    this.limited += 1;
    refusedTotal.inc({ policy: over.policy.name });
    const retryAfter = Math.max(1, seconds(over.state.resetMs));
    c.header('Retry-After', String(retryAfter));
    const what = over.policy.describe ?? `rate limit "${over.policy.name}" of ${over.policy.limit} requests per ${over.policy.windowMs / SECOND} s reached`;
    throw new DomainError('RATE_LIMITED', `${what}; retry after ${retryAfter} s`, { policy: over.policy.name, limit: over.policy.limit, retryAfterSeconds: retryAfter });
  }

  /** Checks not made because Redis was unavailable, and requests refused. */
  stats(): { failedOpen: number; limited: number } {
    return { failedOpen: this.failedOpen, limited: this.limited };
  }

  /** A check not made because Redis could not answer: counted, logged at most every 10 s; the request goes on. */
  failOpen(error: unknown): null {
    this.failedOpen += 1;
    failedOpenTotal.inc();
    const now = Date.now();
    if (now - this.lastWarning >= WARN_EVERY_MS) {
      this.lastWarning = now;
      this.log.warn({ err: error, failedOpen: this.failedOpen }, 'rate_limit.unavailable');
    }
    return null;
  }
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / SECOND));

/** The client's address: the TCP peer's, or with trusted proxies in front, the X-Forwarded-For entry the outermost appended. */
export function sourceAddress(c: Context, trustedProxyHops: number): string {
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

/**
 * A per-source-address limit as middleware, for a service whose REST routes are public (market data): `subject`
 * names its counters apart from other services' (e.g. `md:addr`).
 */
export function addressRateLimit(checker: RateLimitChecker, options: { subject: string; perSecond: number; trustedProxyHops: number }): MiddlewareHandler {
  const policy: RatePolicy = { name: 'address', limit: options.perSecond, windowMs: SECOND };
  return async (c, next) => {
    const checked = await checker.check(`${options.subject}:${sourceAddress(c, options.trustedProxyHops)}`, [{ policy, counter: 'req', increment: true }]);
    if (checked !== null) checker.apply(c, checked);
    await next();
  };
}

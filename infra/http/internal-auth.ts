import type { MiddlewareHandler } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import type { ServiceEnv } from './context';

/**
 * Service-to-service authentication: every call to an internal service (the risk engine, the venue) carries an
 * HMAC-SHA-256, under the calling process's own secret, of what the call is and when it was made:
 *
 *   OMS-HMAC-SHA256 \n <caller> \n <unix seconds> \n <METHOD> \n <path and query> \n <hex SHA-256 of the body>
 *
 * So a signature answers for this method, on this path and query, with this body, from this caller, at this time:
 * a changed byte anywhere is a different call. The service accepts a timestamp within MAX_SKEW_SECONDS of its clock
 * and any of the secrets it holds for the named caller (rotation per caller: sign with the first, accept all, see the
 * README's Security section).
 *
 * Each caller has its own secret, and each route names the callers it serves (InternalRoute): the order API, which
 * faces the internet, can read balances but cannot sign a hold or a fill; market data can read the venue's book but
 * cannot submit. A verifier holds the secrets of the callers it serves (HMAC is symmetric), so the venue, which serves
 * the worker, could sign as the worker: the verifiers are the internal services, not the internet-facing ones.
 *
 * A captured call can be replayed within the skew window by someone who can read the internal network; every
 * internal route is idempotent (a hold per orderId, a fill per fillId, a release, a submit per orderId, a cancel, a
 * read), so a replay repeats an answer and moves nothing. A nonce store would cost a shared dependency on every call
 * for no change in what an attacker can do. Confidentiality and the answers' integrity are the network's (TLS or a
 * service mesh in production): this authenticates requests, it does not encrypt them.
 */
export const INTERNAL_AUTH_SCHEME = 'OMS-HMAC-SHA256';
export const INTERNAL_AUTH_HEADERS = {
  caller: 'X-OMS-Caller',
  timestamp: 'X-OMS-Timestamp',
  signature: 'X-OMS-Signature',
} as const;
export const MAX_SKEW_SECONDS = 30;

/** The processes that call the internal services; each signs with its own secret (INTERNAL_AUTH_SECRETS). */
export const INTERNAL_CALLERS = ['api', 'worker', 'risk', 'market-data'] as const;
export type InternalCaller = (typeof INTERNAL_CALLERS)[number];

/** A caller's name as it appears in the signature and the service's logs: worker, api, market-data, ... */
const CALLER = /^[a-z][a-z0-9-]{0,31}$/;
const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;

/** The routes every service answers without a credential: probes, metrics and the API's description. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics', '/openapi.json', '/docs']);

export interface SignedRequest {
  method: string;
  /** As the service receives it: the path and the query (`/venue/book/BTC-USD?depth=1000`). */
  pathWithQuery: string;
  /** The exact bytes sent ('' without a body). */
  body: string | Uint8Array;
}

export function bodyDigest(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function canonicalRequest(caller: string, timestamp: string, request: Omit<SignedRequest, 'body'> & { bodyDigest: string }): string {
  return [INTERNAL_AUTH_SCHEME, caller, timestamp, request.method.toUpperCase(), request.pathWithQuery, request.bodyDigest].join('\n');
}

function hmac(secret: string, text: string): Buffer {
  return createHmac('sha256', secret).update(text).digest();
}

/** Signs the calls of one process to the internal services. */
export interface InternalSigner {
  /** The headers to send with this request. */
  headers(request: SignedRequest): Record<string, string>;
}

/** Signs with the first secret (the current one); `now` (ms) is for tests of clock skew. */
export function createInternalSigner(options: { caller: string; secrets: readonly string[]; now?: () => number }): InternalSigner {
  const secret = options.secrets[0];
  if (secret === undefined || secret === '') throw new Error('internal auth: no secret to sign with');
  if (!CALLER.test(options.caller)) throw new Error(`internal auth: the caller name ${JSON.stringify(options.caller)} must match ${CALLER}`);
  const now = options.now ?? Date.now;
  return {
    headers(request) {
      const timestamp = String(Math.floor(now() / 1_000));
      const text = canonicalRequest(options.caller, timestamp, { method: request.method, pathWithQuery: request.pathWithQuery, bodyDigest: bodyDigest(request.body) });
      return {
        [INTERNAL_AUTH_HEADERS.caller]: options.caller,
        [INTERNAL_AUTH_HEADERS.timestamp]: timestamp,
        [INTERNAL_AUTH_HEADERS.signature]: hmac(secret, text).toString('hex'),
      };
    },
  };
}

export type Verification = { ok: true; caller: string } | { ok: false; reason: string };

/** Each caller's accepted secrets (INTERNAL_AUTH_CALLER_SECRETS): usually one, two while that caller's secret rotates. */
export type CallerSecrets = ReadonlyMap<string, readonly string[]>;

/**
 * Checks one request's credential against the named caller's accepted secrets; the reason is for the log and the
 * 401's message. A caller the service holds no secret for is refused (401) before any signature is computed.
 */
export function verifyInternalRequest(
  headers: { get(name: string): string | null | undefined },
  request: SignedRequest,
  options: { callers: CallerSecrets; nowMs: number; maxSkewSeconds?: number },
): Verification {
  const caller = headers.get(INTERNAL_AUTH_HEADERS.caller) ?? undefined;
  const timestamp = headers.get(INTERNAL_AUTH_HEADERS.timestamp) ?? undefined;
  const signature = headers.get(INTERNAL_AUTH_HEADERS.signature) ?? undefined;
  if (caller === undefined || timestamp === undefined || signature === undefined) {
    return { ok: false, reason: `an internal service: every call must be signed (${Object.values(INTERNAL_AUTH_HEADERS).join(', ')})` };
  }
  if (!CALLER.test(caller) || !TIMESTAMP.test(timestamp) || !SIGNATURE.test(signature.toLowerCase())) {
    return { ok: false, reason: 'malformed signature headers' };
  }
  const skew = Math.abs(options.nowMs / 1_000 - Number(timestamp));
  if (skew > (options.maxSkewSeconds ?? MAX_SKEW_SECONDS)) return { ok: false, reason: 'the signature timestamp is outside the accepted clock skew' };
  const secrets = options.callers.get(caller);
  if (secrets === undefined) return { ok: false, reason: `unknown caller ${caller}` };
  const text = canonicalRequest(caller, timestamp, { method: request.method, pathWithQuery: request.pathWithQuery, bodyDigest: bodyDigest(request.body) });
  const given = Buffer.from(signature.toLowerCase(), 'hex');
  // Every secret is tried (no early exit), so the time taken does not tell which one matched.
  let matched = false;
  for (const secret of secrets) matched = timingSafeEqual(hmac(secret, text), given) || matched;
  return matched ? { ok: true, caller } : { ok: false, reason: 'bad signature' };
}

/** One route of an internal service and the callers it serves (the path as the service registers it). */
export interface InternalRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly callers: readonly InternalCaller[];
}

/**
 * Who may call what: the callers of a request's route, from the service's table (HEAD goes with GET); `undefined`
 * when the table has no entry for it.
 */
export function routeCallers(routes: readonly InternalRoute[]): (method: string, path: string) => ReadonlySet<string> | undefined {
  const router = new TrieRouter<readonly InternalCaller[]>();
  for (const route of routes) router.add(route.method, route.path, route.callers);
  return (method, path) => {
    const [matches] = router.match(method === 'HEAD' ? 'GET' : method, path);
    return matches.length === 0 ? undefined : new Set(matches.flatMap(([callers]) => callers));
  };
}

/**
 * Checks a service's route table against the routes it has (an app's `routes`, the public ones and middleware aside):
 * throws, naming them, when a route has no entry (it would serve no caller) or an entry has no route. The internal
 * services call it once their routes are added, so such an app does not start.
 */
export function checkRouteTable(routes: readonly { method: string; path: string }[], table: readonly InternalRoute[]): void {
  const has = new Set(routes.filter((r) => r.method !== 'ALL' && !PUBLIC_PATHS.has(r.path)).map((r) => `${r.method.toUpperCase()} ${r.path}`));
  const named = new Set(table.map((r) => `${r.method} ${r.path}`));
  const unnamed = [...has].filter((r) => !named.has(r));
  const stale = [...named].filter((r) => !has.has(r));
  if (unnamed.length > 0 || stale.length > 0) {
    throw new Error(`internal auth: the route table is not the service's routes (no callers named: ${unnamed.join(', ') || 'none'}; no such route: ${stale.join(', ') || 'none'})`);
  }
}

/**
 * The middleware of an internal service (createServiceApp's `internalAuth`): every route but PUBLIC_PATHS needs a
 * valid signature, else 401 UNAUTHENTICATED; then the caller must be one the route's entry in `routes` names, else
 * 403 FORBIDDEN. A route the service has but the table does not name serves no caller (403): a route added later is
 * closed until someone says who calls it. A path no route has goes on to the 404 or 405. The caller's name goes into
 * the request's logger.
 */
export function internalAuth(options: {
  callers: CallerSecrets;
  routes: readonly InternalRoute[];
  /** The method and path of every route the service has (createServiceApp reads them off the app). */
  isRoute: (method: string, path: string) => boolean;
  maxSkewSeconds?: number;
  now?: () => number;
}): MiddlewareHandler<ServiceEnv> {
  if (options.callers.size === 0) throw new Error('internal auth: no caller secrets');
  for (const [caller, secrets] of options.callers) {
    if (!CALLER.test(caller)) throw new Error(`internal auth: the caller name ${JSON.stringify(caller)} must match ${CALLER}`);
    if (secrets.length === 0 || secrets.some((s) => s === '')) throw new Error(`internal auth: caller ${caller} needs at least one non-empty secret`);
  }
  const callersOf = routeCallers(options.routes);
  const now = options.now ?? Date.now;
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const url = new URL(c.req.url);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const result = verifyInternalRequest(c.req.raw.headers, { method: c.req.method, pathWithQuery: url.pathname + url.search, body }, {
      callers: options.callers,
      nowMs: now(),
      ...(options.maxSkewSeconds === undefined ? {} : { maxSkewSeconds: options.maxSkewSeconds }),
    });
    if (!result.ok) {
      c.var.logger.warn({ method: c.req.method, path: c.req.path, caller: c.req.header(INTERNAL_AUTH_HEADERS.caller), reason: result.reason }, 'http.internal_auth_refused');
      throw new DomainError('UNAUTHENTICATED', result.reason);
    }
    const allowed = callersOf(c.req.method, c.req.path);
    if (allowed === undefined ? options.isRoute(c.req.method, c.req.path) : !allowed.has(result.caller)) {
      c.var.logger.warn({ method: c.req.method, path: c.req.path, caller: result.caller }, 'http.internal_caller_refused');
      throw new DomainError('FORBIDDEN', `${result.caller} may not call ${c.req.method} ${c.req.path}`);
    }
    c.set('logger', c.var.logger.child({ caller: result.caller }));
    await next();
  };
}

import { Hono, type MiddlewareHandler } from 'hono';
import { traceRequests } from '../telemetry/http-tracing';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../logger';
import { requestContext, type ServiceEnv } from './context';
import { errorResponse, handleError } from './errors';
import { createHealthRoutes } from './health';
import { createMetricsRoutes, httpMetrics } from './http-metrics';
import { internalAuth, type CallerSecrets, type InternalRoute } from './internal-auth';
import { allowedMethods, answerUnroutedMethod } from './method-not-allowed';
import { describeRoute } from 'hono-openapi';
import { INTERNAL_SIGNATURE_SECURITY, PUBLIC_ROUTE, registerValibotConverter, serveOpenApi } from './openapi';
import { allowedHosts, DEFAULT_ALLOWED_HOSTS, jsonBodiesOnly, limitBodySize } from './request-guards';

/** Every body these services take is a few hundred bytes. */
export const DEFAULT_MAX_BODY_BYTES = 16_384;

export interface ServiceAppOptions {
  logger: Logger;
  /** Each dependency's name and a probe that resolves when it answers: `/ready`. */
  readiness: Record<string, () => Promise<void>>;
  /** What `/openapi.json` says the service is; `extra` adds to the document, e.g. security schemes. */
  /** `rateLimited`: the paths a rate limit guards, documented with 429. */
  openApi: { title: string; description: string; extra?: Record<string, unknown>; rateLimited?: RegExp };
  /**
   * A browsable reference of `/openapi.json` to serve at `/docs` (the public order API's is Scalar's). Passed in
   * rather than built here: Scalar's package is ESM only, which the in-process tests of the other services cannot load.
   */
  docs?: MiddlewareHandler;
  /** A body over this many bytes is refused with 413 PAYLOAD_TOO_LARGE before any route reads it. Defaults to 16 KB. */
  maxBodyBytes?: number;
  /**
   * The host names the service answers to (HTTP_ALLOWED_HOSTS); any other Host header is refused with 421
   * HOST_NOT_ALLOWED, IP literals always pass (request-guards.ts). Defaults to localhost.
   */
  allowedHosts?: readonly string[];
  /**
   * An internal service's callers: each one's accepted secrets (INTERNAL_AUTH_CALLER_SECRETS) and the routes each may
   * call. Then every route but /health, /ready, /metrics, /openapi.json and /docs needs a signed call
   * (internal-auth.ts), else 401 UNAUTHENTICATED, from a caller its entry in `routes` names, else 403 FORBIDDEN.
   */
  internalAuth?: { callers: CallerSecrets; routes: readonly InternalRoute[] };
  /** Text appended to `/metrics`, e.g. the worker's Temporal SDK metrics fetched from the Core's exporter. */
  extraMetrics?: () => Promise<string>;
}

/**
 * What every HTTP service has, in one place: the request id (`c.var.requestId`, echoed in `X-Request-Id`) and a
 * logger that carries it (`c.var.logger`), the Host check (421), the body limit (413), JSON-only bodies (415), for
 * an internal service the signed-call check (401) and who may call which route (403), the one error envelope with the one code-to-status
 * mapping (including unknown routes and unexpected errors), `/health`, `/ready`, `/metrics` (with the HTTP request
 * metrics, infra/http/http-metrics.ts), `/openapi.json` (generated from
 * the routes, whenever they are added) and, when given, `/docs`. A service adds its own middleware (e.g. the order
 * API's authentication) and routes to the app this returns, so what every service needs next is added here once.
 */
export function createServiceApp<E extends ServiceEnv = ServiceEnv>(options: ServiceAppOptions): Hono<E> {
  registerValibotConverter();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = new Hono<E>();

  // First, so every answer is counted and timed, the guards' refusals included.
  app.use(httpMetrics());
  // Next: the span covers every answer, refusals included, and the request's log lines carry its trace id.
  app.use(traceRequests());
  app.use(requestContext(options.logger));
  // Cheapest first: the Host before any body is read, the size before the body is hashed or parsed.
  app.use(allowedHosts(options.allowedHosts ?? DEFAULT_ALLOWED_HOSTS));
  app.use(limitBodySize(maxBodyBytes, (c) => errorResponse(c, new DomainError('PAYLOAD_TOO_LARGE', `the body is over ${maxBodyBytes} bytes`))));
  // A path that exists under other methods: 405 METHOD_NOT_ALLOWED with `Allow` (OPTIONS: 204 with it); else 404.
  const allowed = allowedMethods(() => app.routes);
  if (options.internalAuth !== undefined) {
    const isRoute = (method: string, path: string) => method !== 'OPTIONS' && allowed.forPath(path).includes(method);
    app.use(internalAuth({ ...options.internalAuth, isRoute }));
  }
  app.use(jsonBodiesOnly());
  app.onError(handleError);
  app.notFound(
    (c) =>
      answerUnroutedMethod(c, allowed, (refused, allow) =>
        errorResponse(refused, new DomainError('METHOD_NOT_ALLOWED', `${refused.req.method} is not allowed on ${refused.req.path}; allowed: ${allow.join(', ')}`, { allow })),
      ) ?? errorResponse(c, new DomainError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)),
  );

  app.route('/', createHealthRoutes(options.readiness));
  app.route('/', createMetricsRoutes(options.extraMetrics));
  // An internal service's document says every operation needs a signed call, but for those marked PUBLIC_ROUTE.
  serveOpenApi(app, { ...options.openApi, ...(options.internalAuth === undefined ? {} : { callers: options.internalAuth.routes }) }, { ...(options.internalAuth === undefined ? {} : INTERNAL_SIGNATURE_SECURITY), ...options.openApi.extra });
  if (options.docs !== undefined) {
    const docsPage = { description: 'The API reference page', content: { 'text/html': { schema: { type: 'string' as const } } } };
    app.get('/docs', describeRoute({ ...PUBLIC_ROUTE, summary: 'A browsable reference of /openapi.json', tags: ['ops'], responses: { 200: docsPage } }), options.docs);
  }

  return app;
}

import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { markFailed, tracer } from './tracing';

/**
 * A SERVER span around every request, continuing the caller's trace when the request carries a W3C `traceparent`,
 * active while the rest of the app handles it (so log lines, client calls and Kafka messages inside join it).
 * Named after the route pattern (`POST /api/orders`), never the raw path: span names stay few.
 */
export function traceRequests(): MiddlewareHandler {
  return async (c, next) => {
    const parent = propagation.extract(context.active(), c.req.raw.headers, headersGetter);
    const method = c.req.method;
    const span = tracer().startSpan(method, { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: c.req.path } }, parent);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = routePath(c, -1);
      if (route !== '' && !route.endsWith('*')) {
        span.setAttribute(ATTR_HTTP_ROUTE, route);
        span.updateName(`${method} ${route}`);
      }
      const status = c.res.status;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      // A 4xx is the caller's mistake, not a failed operation of this server (semantic conventions, HTTP spans).
      if (status >= 500 || c.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}

/** Reads the W3C headers straight from the request's Headers (no copy per request). */
const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * A CLIENT span around one outgoing HTTP call: `call` gets the W3C headers to send, so the service called continues
 * this trace. Named by the method only (semantic conventions: the URL would make a name per order).
 */
export async function withClientSpan<R extends { status: number }>(method: string, url: URL, call: (traceHeaders: Record<string, string>) => Promise<R>): Promise<R> {
  const span = tracer().startSpan(method, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_FULL]: url.href,
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    },
  });
  const active = trace.setSpan(context.active(), span);
  const headers: Record<string, string> = {};
  propagation.inject(active, headers);
  try {
    const response = await context.with(active, () => call(headers));
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
    if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

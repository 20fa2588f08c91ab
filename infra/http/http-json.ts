import { request } from 'undici';
import { withClientSpan } from '../telemetry/http-tracing';
import type { InternalSigner } from './internal-auth';

/** An internal service as a caller reaches it: its base URL (an origin, no path) and this process's signer. */
export interface ServiceEndpoint {
  url: string;
  signer: InternalSigner;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

/** The error envelope every service answers with. */
export interface ServiceError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** An internal service answered 5xx: it is there but cannot serve now (its own dependency may be down). */
export class UpstreamServiceError extends Error {
  override name = 'UpstreamServiceError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * One signed JSON call to an internal service (infra/http/internal-auth.ts: the one place calls are signed). A
 * transport error, a timeout or a 5xx throws a plain error, which the activity's retry policy retries; 4xx answers
 * are returned for the caller to decide.
 */
export async function callJson(service: ServiceEndpoint, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, timeoutMs = 10_000): Promise<JsonResponse> {
  const { status, text } = await signedRequest(service, method, path, body === undefined ? undefined : JSON.stringify(body), AbortSignal.timeout(timeoutMs));
  if (status >= 500) throw new UpstreamServiceError(`${method} ${path} answered ${status}: ${text.slice(0, 500)}`, status);
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path} answered ${status} with a body that is not JSON`);
  }
  return { status, body: parsed };
}

export function serviceError(response: JsonResponse): ServiceError {
  const error = (response.body as { error?: ServiceError } | undefined)?.error;
  return error ?? { code: 'INTERNAL_ERROR', message: `status ${response.status} without an error envelope` };
}

/** The signature headers of a call: what the service sees as the path (the URL's pathname and query) is what is signed. */
function signedHeaders(service: ServiceEndpoint, method: string, url: URL, body: string | undefined): Record<string, string> {
  return service.signer.headers({ method, pathWithQuery: url.pathname + url.search, body: body ?? '' });
}

/**
 * callJson's request: undici's request() rather than fetch, which is built on it and spent four times the CPU per
 * call (WHATWG streams for every body): the worker calls the risk engine and the venue several times per order. The
 * same signature, the same CLIENT span and `traceparent` as signedFetch; the answer's body is read whole.
 */
function signedRequest(service: ServiceEndpoint, method: string, path: string, body: string | undefined, signal: AbortSignal): Promise<{ status: number; text: string }> {
  const url = new URL(`${service.url}${path}`);
  const signature = signedHeaders(service, method, url, body);
  return withClientSpan(method, url, async (traceHeaders) => {
    const response = await request(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...signature, ...traceHeaders },
      ...(body === undefined ? {} : { body }),
      signal,
    });
    return { status: response.statusCode, text: await response.body.text() };
  });
}

/**
 * A fetch of an internal service with the signature headers: what the service sees as the path (the URL's pathname
 * and query, as fetch normalises them) is what is signed. `body` is sent as JSON. The call is a CLIENT span and sends
 * its W3C `traceparent`, so the service's SERVER span continues the caller's trace.
 */
export function signedFetch(service: ServiceEndpoint, method: string, path: string, body?: string, init: { signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<Response> {
  const url = new URL(`${service.url}${path}`);
  const signature = signedHeaders(service, method, url, body);
  return withClientSpan(method, url, (traceHeaders) =>
    fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...signature, ...traceHeaders, ...(init.headers ?? {}) },
      ...(body === undefined ? {} : { body }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    }),
  );
}

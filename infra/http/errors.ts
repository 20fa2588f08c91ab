import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as v from 'valibot';
import { DomainError, isDomainError, type ErrorCode } from '../../domain/errors';
import { dependencyUnavailable } from '../dependency-errors';
import type { ServiceEnv } from './context';

/**
 * What every 503 says in `Retry-After` (seconds): the outages these answer (a restarting server, a failover) are
 * over in seconds, and the bounded waits behind a 503 (infra/dependency-errors.ts) keep a retry cheap.
 */
export const SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/**
 * One exhaustive mapping, shared by every service, from error code to HTTP status: 4xx for the caller's
 * mistakes, 5xx for ours. A refusal of a well-formed request ("no, not for this order now": a halted
 * symbol, a risk limit) is 422.
 */
export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  INVALID_DECIMAL: 400,
  TOO_PRECISE: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Misdirected Request: this server does not answer to the name in the Host header (DNS rebinding).
  HOST_NOT_ALLOWED: 421,
  UNKNOWN_SYMBOL: 400,
  SYMBOL_HALTED: 422,
  INVALID_PRICE_TICK: 400,
  INVALID_QUANTITY_LOT: 400,
  QUANTITY_TOO_SMALL: 400,
  QUANTITY_TOO_LARGE: 400,
  NOTIONAL_TOO_SMALL: 400,
  PRICE_REQUIRED: 400,
  PRICE_NOT_ALLOWED: 400,
  EXPIRE_AT_REQUIRED: 400,
  EXPIRE_AT_NOT_ALLOWED: 400,
  EXPIRE_AT_IN_PAST: 400,
  POST_ONLY_REQUIRES_LIMIT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  IDEMPOTENCY_KEY_INVALID: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_FLIGHT: 409,
  RATE_LIMITED: 429,
  ORDER_NOT_FOUND: 404,
  ORDER_TERMINAL: 409,
  DUPLICATE_FILL: 409,
  OVERFILL: 409,
  INVALID_TRANSITION: 409,
  FILL_NOT_HELD: 409,
  FILL_MISMATCH: 409,
  FILL_PRICE_BEYOND_LIMIT: 409,
  FILL_NOT_AT_VENUE: 409,
  ORDER_ID_RESERVED: 403,
  ORDER_NOT_TERMINAL: 409,
  INSUFFICIENT_BALANCE: 422,
  MAX_ORDER_NOTIONAL_EXCEEDED: 422,
  MAX_OPEN_ORDERS_EXCEEDED: 422,
  MAX_POSITION_EXCEEDED: 422,
  PRICE_OUT_OF_BAND: 422,
  MARKET_DATA_UNAVAILABLE: 422,
  ACCOUNT_DISABLED: 422,
  BAD_FRAME: 400,
  UNKNOWN_OP: 400,
  UNKNOWN_CHANNEL: 400,
  AUTH_REQUIRED: 401,
  TOO_MANY_SUBSCRIPTIONS: 422,
  TOO_MANY_CONNECTIONS: 429,
  INVALID_INTERVAL: 400,
  INVALID_TIME_RANGE: 400,
  ACCOUNT_NOT_FOUND: 404,
  REPLAY_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  // The path exists, the method does not: the answer carries `Allow` (service-app.ts).
  METHOD_NOT_ALLOWED: 405,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

export const ErrorEnvelopeSchema = v.object({
  error: v.object({
    code: v.pipe(v.string(), v.description('stable SCREAMING_SNAKE error code')),
    message: v.string(),
    details: v.optional(v.record(v.string(), v.unknown())),
    requestId: v.string(),
  }),
});
export type ErrorEnvelope = v.InferOutput<typeof ErrorEnvelopeSchema>;

export function errorEnvelope(error: DomainError, requestId: string): ErrorEnvelope {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      requestId,
    },
  };
}

export function errorResponse<E extends ServiceEnv>(c: Context<E>, error: DomainError): Response {
  const vars = c.var as ServiceEnv['Variables'];
  const status = HTTP_STATUS[error.code];
  // Every 503 tells the client when to come back (a 429 sets its own: api/rate-limit.ts).
  if (status === 503) c.header('Retry-After', String(SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS));
  return c.json(errorEnvelope(error, vars.requestId), status);
}

/**
 * The app's onError: known errors keep their code; a dependency that is down or too slow (infra/dependency-errors.ts)
 * is 503 SERVICE_UNAVAILABLE with Retry-After, logged as a warning; anything else is a logged 500 with a generic message.
 */
export function handleError<E extends ServiceEnv>(error: Error, c: Context<E>): Response {
  if (isDomainError(error)) return errorResponse(c, error);
  const dependency = dependencyUnavailable(error);
  if (dependency !== null) {
    (c.var as ServiceEnv['Variables']).logger.warn({ err: error, dependency, path: c.req.path }, 'request.dependency_unavailable');
    return errorResponse(c, new DomainError('SERVICE_UNAVAILABLE', 'a service this request needs is unavailable right now; retry after Retry-After seconds'));
  }
  (c.var as ServiceEnv['Variables']).logger.error({ err: error, path: c.req.path }, 'request.failed');
  return errorResponse(c, new DomainError('INTERNAL_ERROR', 'internal error; the request id identifies it in our logs'));
}

import { TimeoutError } from './with-timeout';

/** The servers and services a request may need; what a dependency failure is logged as. */
export type Dependency = 'redis' | 'kafka' | 'mongo' | 'temporal' | 'http' | 'network' | 'timeout';

// ioredis: a command that could not be sent within maxRetriesPerRequest reconnections, one that outlived
// commandTimeout, one sent to a closed client or, without the offline queue, to a connection that is down.
const REDIS_NAMES = new Set(['MaxRetriesPerRequestError']);
const REDIS_MESSAGES = ['Command timed out', 'Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false"];
// The mongodb driver: no server selected in time, a socket that failed or timed out, a client closed under the call.
const MONGO_NAMES = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoOperationTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
]);
// The event publisher's own (infra/kafka/event-publisher.ts), named to keep this file free of kafkajs.
const KAFKA_NAMES = new Set(['PublishFailedError', 'PublisherOverloadedError', 'PublisherStoppedError']);
// gRPC: UNAVAILABLE (14), DEADLINE_EXCEEDED (4), RESOURCE_EXHAUSTED (8).
const GRPC_UNAVAILABLE = new Set([4, 8, 14]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

/**
 * Which dependency an error says is unavailable (down, unreachable, too slow), or null when it is something else (a
 * bug, a refusal). The one place that knows how each client library says "unavailable": the HTTP error handler
 * answers these with 503 SERVICE_UNAVAILABLE and Retry-After instead of 500 (infra/http/errors.ts). It walks the
 * `cause` chain, since adapters wrap what the libraries throw.
 */
export function dependencyUnavailable(error: unknown): Dependency | null {
  let depth = 0;
  // Duck-typed rather than instanceof Error: a DOMException or an error of another realm (vm, jest) counts too.
  for (let e: unknown = error; isErrorLike(e) && depth < 8; e = e.cause, depth += 1) {
    const found = classify(e);
    if (found !== null) return found;
  }
  return null;
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && typeof (value as { message?: unknown }).message === 'string';
}

function classify(e: Error): Dependency | null {
  if (REDIS_NAMES.has(e.name) || REDIS_MESSAGES.includes(e.message)) return 'redis';
  if (MONGO_NAMES.has(e.name)) return 'mongo';
  if (KAFKA_NAMES.has(e.name) || e.name.startsWith('KafkaJS')) return 'kafka';
  // @temporalio/client wraps a gRPC status error in a ServiceError.
  if (e.name === 'ServiceError' || isGrpcStatus(e)) {
    for (let inner: unknown = e; isErrorLike(inner); inner = inner.cause) if (isGrpcStatus(inner) && GRPC_UNAVAILABLE.has(inner.code)) return 'temporal';
    return null;
  }
  if (e.name === 'UpstreamServiceError') return 'http';
  // infra/with-timeout.ts, and fetch under AbortSignal.timeout (a DOMException named TimeoutError).
  if (e instanceof TimeoutError || e.name === 'TimeoutError') return 'timeout';
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'network';
  return null;
}

function isGrpcStatus(e: Error): e is Error & { code: number } {
  const status = e as { code?: unknown; metadata?: unknown; details?: unknown };
  return typeof status.code === 'number' && typeof status.details === 'string' && typeof status.metadata === 'object';
}

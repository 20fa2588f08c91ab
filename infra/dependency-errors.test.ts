import { ServiceError } from '@temporalio/client';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { DomainError } from '../domain/errors';
import { dependencyUnavailable } from './dependency-errors';
import { UpstreamServiceError } from './http/http-json';
import { PublishFailedError, PublisherOverloadedError } from './kafka/event-publisher';
import { TimeoutError } from './with-timeout';

// ioredis does not export it from its entry point; it is what a command gets after maxRetriesPerRequest reconnections.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { default: MaxRetriesPerRequestError } = require('ioredis/built/errors/MaxRetriesPerRequestError') as { default: new (n: number) => Error };

const grpcStatus = (code: number) => Object.assign(new Error(`${code} status`), { code, details: 'status', metadata: {} });

describe('dependencyUnavailable', () => {
  it.each<[string, unknown, string]>([
    ['ioredis retry limit', new MaxRetriesPerRequestError(2), 'redis'],
    ['ioredis command timeout', new Error('Command timed out'), 'redis'],
    ['ioredis closed connection', new Error('Connection is closed.'), 'redis'],
    ['mongodb server selection', new MongoServerSelectionError('no server', { servers: new Map() } as never), 'mongo'],
    ['mongodb network error', new MongoNetworkError('reset'), 'mongo'],
    ['kafkajs connection error', new KafkaJSConnectionError('refused'), 'kafka'],
    ['kafkajs retries exceeded', new KafkaJSNumberOfRetriesExceeded(new Error('x'), { retryCount: 5, retryTime: 100 }), 'kafka'],
    ['the publisher after a failed send', new PublishFailedError('failed'), 'kafka'],
    ['the publisher overloaded', new PublisherOverloadedError('full'), 'kafka'],
    ['Temporal UNAVAILABLE', new ServiceError('Failed to signal Workflow', { cause: grpcStatus(14) }), 'temporal'],
    ['Temporal DEADLINE_EXCEEDED', new ServiceError('Failed to signal Workflow', { cause: grpcStatus(4) }), 'temporal'],
    ['an internal service answering 5xx', new UpstreamServiceError('GET /x answered 503', 503), 'http'],
    ['withTimeout', new TimeoutError('too slow'), 'timeout'],
    ['fetch under AbortSignal.timeout', new DOMException('timed out', 'TimeoutError'), 'timeout'],
    ['fetch to a closed port', new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }), 'network'],
    ['an adapter wrapping one', new Error('could not store', { cause: new MongoServerSelectionError('no server', { servers: new Map() } as never) }), 'mongo'],
  ])('%s is unavailable (%s)', (_what, error, dependency) => {
    expect(dependencyUnavailable(error)).toBe(dependency);
  });

  it.each<[string, unknown]>([
    ['a plain bug', new Error('undefined is not a function')],
    ['a TypeError', new TypeError('x is not iterable')],
    ['a domain refusal', new DomainError('ORDER_NOT_FOUND', 'no')],
    ['Temporal NOT_FOUND', new ServiceError('Failed', { cause: grpcStatus(5) })],
    ['a Redis reply error', new Error('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s is not', (_what, error) => {
    expect(dependencyUnavailable(error)).toBeNull();
  });
});

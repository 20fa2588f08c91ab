import { status } from '@grpc/grpc-js';
import { ServiceError } from '@temporalio/client';
import { dependencyUnavailable } from '../dependency-errors';
import { crossError, uncrossError } from './api-workflows';

/** What crosses the API's Temporal thread (api-workflows.ts): an error keeps what the HTTP error mapping reads. */
describe('errors across the API Temporal thread', () => {
  const grpcStatus = (code: number) => Object.assign(new Error(`${code} grpc`), { code, details: 'the frontend is gone', metadata: { get: () => [] } });

  it('keeps a Temporal outage an outage (503): the ServiceError, its gRPC status cause and its code', () => {
    for (const code of [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]) {
      const original = new ServiceError('Failed to signal', { cause: grpcStatus(code) });
      expect(dependencyUnavailable(original)).toBe('temporal');
      const crossed = uncrossError(structuredClone(crossError(original)));
      expect(dependencyUnavailable(crossed)).toBe('temporal');
      expect(crossed).toMatchObject({ name: 'ServiceError', message: 'Failed to signal' });
      expect((crossed.cause as { code: number }).code).toBe(code);
    }
  });

  it('keeps a refusal a refusal (500 when unexpected), with its name, message and stack', () => {
    const original = new ServiceError('Failed', { cause: grpcStatus(status.INVALID_ARGUMENT) });
    expect(dependencyUnavailable(uncrossError(structuredClone(crossError(original))))).toBeNull();
    const bug = new TypeError('x is not a function');
    const crossed = uncrossError(structuredClone(crossError(bug)));
    expect(crossed).toMatchObject({ name: 'TypeError', message: 'x is not a function', stack: bug.stack });
    expect(dependencyUnavailable(crossed)).toBeNull();
  });

  it('crosses anything thrown, and a cause chain only so deep', () => {
    expect(uncrossError(crossError('a string'))).toMatchObject({ name: 'Error', message: 'a string' });
    expect(uncrossError(crossError({ reason: 'x' }))).toMatchObject({ name: 'Error', message: 'a thrown value without a message' });
    let deep: Error = new Error('root');
    for (let i = 0; i < 20; i += 1) deep = new Error(`level ${i}`, { cause: deep });
    let depth = 0;
    for (let e: unknown = uncrossError(crossError(deep)); e instanceof Error; e = e.cause) depth += 1;
    expect(depth).toBe(9);
  });
});

import { TimeoutError, withTimeout } from './with-timeout';

describe('withTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** The promise's outcome so far, without waiting for it. */
  const outcome = async <T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown } | 'pending'> => {
    let state: { value: T } | { error: unknown } | 'pending' = 'pending';
    promise.then(
      (value) => (state = { value }),
      (error: unknown) => (state = { error }),
    );
    for (let i = 0; i < 5; i++) await Promise.resolve();
    return state;
  };

  it('answers what the promise answers when it settles in time, and clears its timer', async () => {
    expect(await outcome(withTimeout(Promise.resolve(42), 1_000, 'too slow'))).toEqual({ value: 42 });
    expect(jest.getTimerCount()).toBe(0);
    const failure = new Error('refused');
    expect(await outcome(withTimeout(Promise.reject(failure), 1_000, 'too slow'))).toEqual({ error: failure });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with a TimeoutError carrying the message once the time is up, not before', async () => {
    const never = new Promise<never>(() => undefined);
    const timed = withTimeout(never, 1_000, 'no answer within 1000 ms');
    jest.advanceTimersByTime(999);
    expect(await outcome(timed)).toBe('pending');
    jest.advanceTimersByTime(1);
    const result = await outcome(timed);
    expect(result).toEqual({ error: expect.any(TimeoutError) });
    const error = (result as { error: TimeoutError }).error;
    expect([error.name, error.message]).toEqual(['TimeoutError', 'no answer within 1000 ms']);
  });

  it('ignores the outcome of a promise that settles after the deadline', async () => {
    let finish!: (value: string) => void;
    const late = new Promise<string>((resolve) => (finish = resolve));
    const timed = withTimeout(late, 10, 'late');
    jest.advanceTimersByTime(10);
    finish('too late');
    expect(await outcome(timed)).toEqual({ error: expect.any(TimeoutError) });
  });

  it('turns a rejection that is not an Error into one, so callers can read its message', async () => {
    // Some clients reject with a bare string.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test
    const result = await outcome(withTimeout(Promise.reject('down'), 1_000, 'too slow'));
    expect(result).toEqual({ error: expect.any(Error) });
    expect((result as { error: Error }).error.message).toBe('down');
  });
});

import { OneAtATime, TurnRefusedError } from './one-at-a-time';

describe('OneAtATime', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  /** A task that runs until `finish` is called, recording when it starts. */
  const gate = (log: string[], name: string) => {
    let finish: () => void = () => undefined;
    const task = () => {
      log.push(`start ${name}`);
      return new Promise<string>((resolve) => (finish = () => resolve(name)));
    };
    return { task, finish: () => finish() };
  };
  const settle = <T>(promise: Promise<T>) => {
    const state: { value?: T; error?: unknown } = {};
    promise.then(
      (value) => (state.value = value),
      (error: unknown) => (state.error = error),
    );
    return state;
  };

  it('runs one task at a time in arrival order; a started task is never cut short by the wait bound', async () => {
    const slot = new OneAtATime({ maxWaiting: 2, waitMs: 1_000 });
    const log: string[] = [];
    const [a, b, c] = [gate(log, 'a'), gate(log, 'b'), gate(log, 'c')];
    const results = [settle(slot.run(a.task)), settle(slot.run(b.task)), settle(slot.run(c.task))];
    await flush();
    expect(log).toEqual(['start a']);
    expect(slot.waitingCount).toBe(2);
    a.finish();
    await flush();
    expect(log).toEqual(['start a', 'start b']);
    // b started before its bound: it runs as long as it takes.
    jest.advanceTimersByTime(5_000);
    await flush();
    expect(results[1]).toEqual({});
    b.finish();
    await flush();
    // c's wait ran out while b ran: refused, it never starts.
    expect(log).toEqual(['start a', 'start b']);
    expect(results.map((r) => r.value ?? (r.error as TurnRefusedError).reason)).toEqual(['a', 'b', 'wait_timeout']);
    expect(slot.waitingCount).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('refuses at once a task that finds the queue full, and the slot frees after a failed task', async () => {
    const slot = new OneAtATime({ maxWaiting: 1, waitMs: 1_000 });
    const log: string[] = [];
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];
    const first = settle(slot.run(a.task));
    const second = settle(slot.run(b.task));
    const third = settle(slot.run(() => Promise.resolve('c')));
    await flush();
    expect(third.error).toBeInstanceOf(TurnRefusedError);
    expect((third.error as TurnRefusedError).reason).toBe('queue_full');
    a.finish();
    await flush();
    b.finish();
    await flush();
    expect([first.value, second.value]).toEqual(['a', 'b']);

    const failed = settle(slot.run(() => Promise.reject(new Error('broker gone'))));
    await flush();
    expect((failed.error as Error).message).toBe('broker gone');
    expect(await slot.run(() => Promise.resolve('after'))).toBe('after');
    expect(jest.getTimerCount()).toBe(0);
  });
});

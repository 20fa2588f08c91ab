import { startPeriodic } from './periodic';

/** A task whose runs the test ends by hand: each call waits until finish() (or fail()) is called for it. */
function manualTask() {
  const runs: Array<{ finish: (value: string) => void; fail: (error: Error) => void }> = [];
  const task = () =>
    new Promise<string>((resolve, reject) => {
      runs.push({ finish: resolve, fail: reject });
    });
  return { task, runs };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('startPeriodic', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs on each interval, one run at a time: a tick during a run joins it', async () => {
    const { task, runs } = manualTask();
    const periodic = startPeriodic(task, { intervalMs: 1_000, onError: () => 'failed' });
    await settle();
    expect(runs).toHaveLength(0);
    jest.advanceTimersByTime(1_000);
    await settle();
    expect(runs).toHaveLength(1);
    // Two more ticks and a run asked by hand while the first is in flight: all join it.
    jest.advanceTimersByTime(2_000);
    const joined = periodic.run();
    await settle();
    expect(runs).toHaveLength(1);
    runs[0]!.finish('first');
    await expect(joined).resolves.toBe('first');
    jest.advanceTimersByTime(1_000);
    await settle();
    expect(runs).toHaveLength(2);
    runs[1]!.finish('second');
    await periodic.stop();
  });

  it('answers a failed run with onError and tries again on the next tick', async () => {
    const { task, runs } = manualTask();
    const errors: unknown[] = [];
    const periodic = startPeriodic(task, { intervalMs: 1_000, runAtStart: true, onError: (error) => (errors.push(error), 'failed') });
    await settle();
    expect(runs).toHaveLength(1);
    const first = periodic.run();
    runs[0]!.fail(new Error('store down'));
    await expect(first).resolves.toBe('failed');
    expect(errors).toEqual([new Error('store down')]);
    jest.advanceTimersByTime(1_000);
    await settle();
    expect(runs).toHaveLength(2);
    runs[1]!.finish('ok');
    await expect(periodic.run()).resolves.toBe('ok');
    await periodic.stop();
  });

  it('a task that throws at once is a failed run too', async () => {
    const periodic = startPeriodic<string>(() => { throw new Error('sync'); }, { intervalMs: 1_000, onError: (error) => `failed: ${(error as Error).message}` });
    await expect(periodic.run()).resolves.toBe('failed: sync');
    await periodic.stop();
  });

  it('stop waits for the run in flight, and the timer starts no run after it; the timer keeps no process alive', async () => {
    const { task, runs } = manualTask();
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    const periodic = startPeriodic(task, { intervalMs: 1_000, runAtStart: true, onError: () => 'failed' });
    expect((setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout).hasRef()).toBe(false);
    setIntervalSpy.mockRestore();
    await settle();
    let stopped = false;
    const stopping = periodic.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    runs[0]!.finish('done');
    await stopping;
    expect(stopped).toBe(true);
    jest.advanceTimersByTime(5_000);
    await settle();
    expect(runs).toHaveLength(1);
  });
});

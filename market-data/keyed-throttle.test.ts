import { KeyedThrottle } from './keyed-throttle';

describe('KeyedThrottle', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const setup = (run?: (key: string) => Promise<void> | void) => {
    const runs: Array<{ key: string; at: number }> = [];
    const errors: unknown[] = [];
    const throttle = new KeyedThrottle(
      250,
      (key) => {
        runs.push({ key, at: Date.now() });
        return run?.(key);
      },
      (_key, error) => errors.push(error),
    );
    return { throttle, runs, errors };
  };

  it('runs a quiet key at once, then at most once per interval, after the latest touch', async () => {
    const { throttle, runs } = setup();
    throttle.touch('a');
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([{ key: 'a', at: 1_000_000 }]);
    throttle.touch('a');
    throttle.touch('a');
    await jest.advanceTimersByTimeAsync(100);
    throttle.touch('a');
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(150);
    expect(runs).toEqual([
      { key: 'a', at: 1_000_000 },
      { key: 'a', at: 1_000_250 },
    ]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toHaveLength(2);
  });

  it('throttles keys independently', async () => {
    const { throttle, runs } = setup();
    throttle.touch('a');
    throttle.touch('b');
    await jest.advanceTimersByTimeAsync(0);
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
  });

  it('never overlaps runs of a key; a touch during a run brings one more run', async () => {
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    const { throttle, runs } = setup(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => (release = resolve));
      active -= 1;
    });
    throttle.touch('a');
    await jest.advanceTimersByTimeAsync(500);
    throttle.touch('a');
    throttle.touch('a');
    expect(runs).toHaveLength(1);
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(2);
    release();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toHaveLength(2);
    expect(maxActive).toBe(1);
  });

  it('reports a failed run and keeps going', async () => {
    let fail = true;
    const { throttle, runs, errors } = setup(() => {
      if (fail) throw new Error('redis down');
    });
    throttle.touch('a');
    await jest.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([new Error('redis down')]);
    fail = false;
    throttle.touch('a');
    await jest.advanceTimersByTimeAsync(250);
    expect(runs).toHaveLength(2);
  });

  it('flushAndStop runs what is pending at once and ignores later touches', async () => {
    const { throttle, runs } = setup();
    throttle.touch('a');
    await jest.advanceTimersByTimeAsync(0);
    throttle.touch('a');
    await throttle.flushAndStop();
    expect(runs.map((r) => r.at)).toEqual([1_000_000, 1_000_000]);
    throttle.touch('a');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toHaveLength(2);
  });
});

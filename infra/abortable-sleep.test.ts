import { abortableSleep } from './abortable-sleep';

describe('abortableSleep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const settled = async (promise: Promise<void>): Promise<boolean> => {
    let done = false;
    void promise.then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    return done;
  };

  it('waits the time it is given', async () => {
    const sleeping = abortableSleep(1_000);
    jest.advanceTimersByTime(999);
    expect(await settled(sleeping)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await settled(sleeping)).toBe(true);
  });

  it('ends at once when the signal aborts, or was aborted already, and for no time at all', async () => {
    const stop = new AbortController();
    const sleeping = abortableSleep(60_000, stop.signal);
    stop.abort();
    expect(await settled(sleeping)).toBe(true);
    expect(await settled(abortableSleep(60_000, stop.signal))).toBe(true);
    expect(await settled(abortableSleep(0))).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ends early when woken, and leaves no timer or listener behind', async () => {
    const stop = new AbortController();
    let wake: (() => void) | undefined;
    const sleeping = abortableSleep(60_000, stop.signal, (w) => (wake = w));
    wake!();
    expect(await settled(sleeping)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});

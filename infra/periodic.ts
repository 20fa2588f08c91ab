/** A task run on a timer by startPeriodic. */
export interface Periodic<T> {
  /** A run now, or the one in flight: its result (onError's answer when it failed). */
  run: () => Promise<T>;
  /** Clears the timer and waits for the run in flight: the timer starts no run after it. */
  stop: () => Promise<void>;
}

/**
 * Runs `task` every `intervalMs` on an unref'd timer (it keeps no process alive), one run at a time: a tick that finds
 * a run in flight joins it instead of starting another, so a slow run is never overlapped. A run that throws is
 * answered by `onError` (log it, count it, say what a failed run means) and the next tick tries again. With
 * `runAtStart`, the first run starts at once instead of after the first interval.
 */
export function startPeriodic<T>(task: () => Promise<T>, options: { intervalMs: number; onError: (error: unknown) => T; runAtStart?: boolean }): Periodic<T> {
  let running: Promise<T> | undefined;
  const run = (): Promise<T> => {
    running ??= Promise.resolve()
      .then(task)
      .catch(options.onError)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void run(), options.intervalMs);
  timer.unref();
  if (options.runAtStart === true) void run();
  return {
    run,
    stop: async (): Promise<void> => {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * Waits `ms`, or less: it resolves at once when `signal` aborts (a process stopping), and `onWake` receives
 * a function that ends the wait early (e.g. a retry nudged by new input). Never rejects.
 */
export function abortableSleep(ms: number, signal?: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
    onWake?.(done);
  });
}

/** What withTimeout rejects with when the deadline passes first. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * The promise's outcome, or a TimeoutError carrying `message` when it has not settled within `ms`. Nothing can
 * cancel the promise itself: it runs on, and its late outcome is ignored. The timer is cleared as soon as
 * either side wins, so a settled promise keeps no timer (and no process) alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

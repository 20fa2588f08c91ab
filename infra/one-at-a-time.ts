/** Why OneAtATime did not let a task start: too many already waiting, or the wait outlasted its bound. */
export class TurnRefusedError extends Error {
  override name = 'TurnRefusedError';
  constructor(
    message: string,
    readonly reason: 'queue_full' | 'wait_timeout',
  ) {
    super(message);
  }
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Runs tasks one at a time, first come first served, with a bounded queue and a bounded wait: a task that finds
 * `maxWaiting` others waiting, or that cannot start within `waitMs`, is refused with TurnRefusedError and never runs.
 * A task that has started is never cut short: the next one starts only when it has settled.
 */
export class OneAtATime {
  private running = false;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: { maxWaiting: number; waitMs: number }) {}

  /** How many tasks wait for their turn (the running one not counted). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.turn();
    try {
      return await task();
    } finally {
      this.handOver();
    }
  }

  private turn(): Promise<void> {
    if (!this.running) {
      this.running = true;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.maxWaiting) {
      return Promise.reject(new TurnRefusedError(`one running and ${this.waiting.length} waiting already`, 'queue_full'));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new TurnRefusedError(`could not start within ${this.options.waitMs} ms`, 'wait_timeout'));
        }, this.options.waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** The turn passes to the oldest waiter (its timer cleared, so it cannot be refused any more), or the slot frees. */
  private handOver(): void {
    const next = this.waiting.shift();
    if (next === undefined) {
      this.running = false;
      return;
    }
    clearTimeout(next.timer);
    next.start();
  }
}

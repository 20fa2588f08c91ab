/**
 * Runs `run(key)` at most once per `intervalMs` per key, always after the latest touch: the first touch of a
 * quiet key runs at once, touches within the interval collapse into one run at its end. Runs of one key never
 * overlap; a touch during a run schedules one more. Used for what must be fresh but not per event (the ticker
 * channel, PriceUpdates, hot snapshots).
 */
export class KeyedThrottle {
  private readonly lastRun = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly run: (key: string) => Promise<void> | void,
    private readonly onError: (key: string, error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  touch(key: string): void {
    if (this.stopped || this.timers.has(key)) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    const wait = (this.lastRun.get(key) ?? Number.NEGATIVE_INFINITY) + this.intervalMs - this.now();
    if (wait <= 0) {
      this.start(key);
      return;
    }
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.start(key);
      }, wait),
    );
  }

  /** Runs every pending key now and waits for every run; later touches are ignored. */
  async flushAndStop(): Promise<void> {
    this.stopped = true;
    const pending = [...this.timers.keys(), ...this.again];
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.again.clear();
    await Promise.all(this.running.values());
    await Promise.all([...new Set(pending)].map((key) => this.execute(key)));
  }

  private start(key: string): void {
    const run = this.execute(key).finally(() => {
      this.running.delete(key);
      if (this.again.delete(key)) this.touch(key);
    });
    this.running.set(key, run);
  }

  private async execute(key: string): Promise<void> {
    this.lastRun.set(key, this.now());
    try {
      await this.run(key);
    } catch (error) {
      this.onError(key, error);
    }
  }
}

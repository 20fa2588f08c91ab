/**
 * The per-connection frame rate limit: `burst` tokens, refilled at `ratePerSecond`; each client frame takes one.
 * Time comes from the caller (milliseconds on any monotonic clock), so the arithmetic is testable without waiting.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new Error('TokenBucket needs ratePerSecond > 0 and burst >= 1');
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes a token: 0 when taken, else the milliseconds until one is available (nothing taken). */
  take(now: number): number {
    // A clock that steps back refills nothing rather than draining the bucket.
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
      this.updatedAt = now;
    }
    // The epsilons absorb float noise: a client that waited exactly as told gets its token.
    if (this.tokens >= 1 - 1e-9) {
      this.tokens = Math.max(0, this.tokens - 1);
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond - 1e-9));
  }
}

import type { Trade } from './trade';

/**
 * The last `capacity` trades of a symbol in a ring: memory stays fixed however long the service runs. A trade at
 * or below the newest version already held is a redelivery and is ignored.
 */
export class RecentTrades {
  private readonly ring: Array<Trade | undefined>;
  private next = 0;
  private count = 0;
  private newestVersion = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.ring = new Array<Trade | undefined>(capacity);
  }

  get lastVersion(): number {
    return this.newestVersion;
  }

  get size(): number {
    return this.count;
  }

  /** False when the trade is not newer than the newest held. */
  add(trade: Trade): boolean {
    if (trade.version <= this.newestVersion) return false;
    this.ring[this.next] = trade;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
    this.newestVersion = trade.version;
    return true;
  }

  /** Newest first, at most `limit`. */
  list(limit = this.capacity): Trade[] {
    const out: Trade[] = [];
    for (let i = 1; i <= Math.min(limit, this.count); i++) {
      const trade = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (trade !== undefined) out.push(trade);
    }
    return out;
  }

  newest(): Trade | undefined {
    return this.list(1)[0];
  }
}

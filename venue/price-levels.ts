import type { BookLevel, Side } from './engine-types';
import type { OrderEntry } from './order-entry';

/** All resting orders at one price, oldest first. */
export class PriceLevel {
  quantity = 0n;
  orderCount = 0;
  head: OrderEntry | null = null;
  tail: OrderEntry | null = null;

  constructor(readonly price: bigint) {}

  append(entry: OrderEntry): void {
    entry.level = this;
    entry.prev = this.tail;
    entry.next = null;
    if (this.tail === null) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    this.quantity += entry.remaining;
    this.orderCount += 1;
  }

  /** Takes the entry out of the FIFO together with whatever it still had open. */
  remove(entry: OrderEntry): void {
    const { prev, next } = entry;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    entry.prev = null;
    entry.next = null;
    entry.level = null;
    // A filled maker leaves with nothing open; skipping the subtraction saves a bigint allocation.
    if (entry.remaining !== 0n) this.quantity -= entry.remaining;
    this.orderCount -= 1;
  }
}

/**
 * One side of the book: levels in an array sorted worst to best, so the best level is the last
 * element (taking it out is a pop) and the busy area near the touch is where splices are cheapest.
 */
export class BookSide {
  readonly levels: PriceLevel[] = [];
  private readonly isBid: boolean;

  constructor(readonly side: Side) {
    this.isBid = side === 'BUY';
  }

  best(): PriceLevel | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** Whether a resting price `a` has priority over `b` on this side. */
  isBetter(a: bigint, b: bigint): boolean {
    return this.isBid ? a > b : a < b;
  }

  /** Index of the level at `price`, or `-(insertionIndex + 1)` when there is none. */
  private indexOf(price: bigint): number {
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length;
    if (this.isBid) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const p = (levels[mid] as PriceLevel).price;
        if (p === price) return mid;
        if (p < price) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const p = (levels[mid] as PriceLevel).price;
        if (p === price) return mid;
        if (p > price) lo = mid + 1;
        else hi = mid;
      }
    }
    return -(lo + 1);
  }

  find(price: bigint): PriceLevel | undefined {
    const i = this.indexOf(price);
    return i >= 0 ? this.levels[i] : undefined;
  }

  getOrCreate(price: bigint): PriceLevel {
    const best = this.best();
    if (best !== undefined && best.price === price) return best;
    const i = this.indexOf(price);
    if (i >= 0) return this.levels[i] as PriceLevel;
    const level = new PriceLevel(price);
    const at = -i - 1;
    if (at === this.levels.length) this.levels.push(level);
    else this.levels.splice(at, 0, level);
    return level;
  }

  /** Drops an (empty) level from the side. */
  removeLevel(level: PriceLevel): void {
    const last = this.levels.length - 1;
    if (this.levels[last] === level) {
      this.levels.pop();
      return;
    }
    const i = this.indexOf(level.price);
    if (i >= 0) this.levels.splice(i, 1);
  }

  snapshot(depth: number): BookLevel[] {
    const out: BookLevel[] = [];
    const levels = this.levels;
    const stop = Math.max(levels.length - depth, 0);
    for (let i = levels.length - 1; i >= stop; i--) {
      const level = levels[i] as PriceLevel;
      out.push({ price: level.price, quantity: level.quantity, orderCount: level.orderCount });
    }
    return out;
  }
}

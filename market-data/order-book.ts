import { formatDecimal, type Scaled } from '../domain/decimal';
import type { OrderSide } from '../domain/order';

/** One price level of an L2 book: the total resting quantity and how many orders make it up. */
export interface BookLevel {
  price: Scaled;
  quantity: Scaled;
  orderCount: number;
}

/** The wire form of a level: decimals as strings. */
export interface BookLevelView {
  price: string;
  quantity: string;
  orderCount: number;
}

/**
 * An aggregated (L2) order book of one symbol: bids are BUY levels, asks SELL levels. Levels live in maps keyed
 * by price, so a delta is O(1); views sort on demand (books here hold tens of levels, not thousands).
 */
export class OrderBook {
  private readonly bids = new Map<Scaled, BookLevel>();
  private readonly asks = new Map<Scaled, BookLevel>();

  static from(levels: { bids: readonly BookLevel[]; asks: readonly BookLevel[] }): OrderBook {
    const book = new OrderBook();
    for (const level of levels.bids) book.setLevel('BUY', level.price, level.quantity, level.orderCount);
    for (const level of levels.asks) book.setLevel('SELL', level.price, level.quantity, level.orderCount);
    return book;
  }

  /** The new total at a price; zero removes the level (as a BookDelta says). */
  setLevel(side: OrderSide, price: Scaled, quantity: Scaled, orderCount: number): void {
    const levels = side === 'BUY' ? this.bids : this.asks;
    if (quantity <= 0n) levels.delete(price);
    else levels.set(price, { price, quantity, orderCount });
  }

  bestBid(): BookLevel | undefined {
    let best: BookLevel | undefined;
    for (const level of this.bids.values()) if (best === undefined || level.price > best.price) best = level;
    return best;
  }

  bestAsk(): BookLevel | undefined {
    let best: BookLevel | undefined;
    for (const level of this.asks.values()) if (best === undefined || level.price < best.price) best = level;
    return best;
  }

  /** Best first: bids descending, asks ascending; at most `depth` levels per side. */
  levels(depth = Number.POSITIVE_INFINITY): { bids: BookLevel[]; asks: BookLevel[] } {
    const bids = [...this.bids.values()].sort((a, b) => (a.price > b.price ? -1 : a.price < b.price ? 1 : 0));
    const asks = [...this.asks.values()].sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : 0));
    return { bids: bids.slice(0, depth), asks: asks.slice(0, depth) };
  }

  get size(): { bids: number; asks: number } {
    return { bids: this.bids.size, asks: this.asks.size };
  }

  /** The best bid at or above the best ask: a book that cannot exist at a venue that matches. */
  isCrossed(): boolean {
    const bid = this.bestBid();
    const ask = this.bestAsk();
    return bid !== undefined && ask !== undefined && bid.price >= ask.price;
  }
}

export function levelView(level: BookLevel): BookLevelView {
  return { price: formatDecimal(level.price), quantity: formatDecimal(level.quantity), orderCount: level.orderCount };
}

import { fromScaled, ratio, toScaled, type Scaled } from './decimal';

/** One price level as the book channel sends it. */
export interface Level {
  price: string;
  quantity: string;
  orderCount: number;
}

export interface BookSnapshot {
  type: 'snapshot';
  symbol: string;
  sequence: number;
  synced: boolean;
  bids: Level[];
  asks: Level[];
}

export interface BookDelta {
  type: 'delta';
  symbol: string;
  version: number;
  side: 'BUY' | 'SELL';
  price: string;
  quantity: string;
  orderCount: number;
}

export type BookFrame = BookSnapshot | BookDelta;

/** A level of the visible book, with the running total from the best price and its share of the deepest total. */
export interface DepthRow extends Level {
  cumulative: string;
  depth: number;
}

export interface BookView {
  bids: DepthRow[];
  asks: DepthRow[];
  spread: string | null;
  /** Spread in percent of the best ask, 4 decimals; null when a side is empty. */
  spreadPercent: string | null;
  synced: boolean;
}

interface Entry extends Level {
  scaled: Scaled;
}

/**
 * The L2 book a client keeps: the channel's snapshot, then level changes (the new total; "0" removes the level).
 * Prices are compared as scaled bigints, never as floats.
 */
export class OrderBook {
  private readonly sides = { BUY: new Map<string, Entry>(), SELL: new Map<string, Entry>() };
  synced = false;
  version = -1;

  apply(frame: BookFrame): void {
    if (frame.type === 'snapshot') {
      this.sides.BUY.clear();
      this.sides.SELL.clear();
      for (const level of frame.bids) this.set('BUY', level);
      for (const level of frame.asks) this.set('SELL', level);
      this.synced = frame.synced;
      this.version = frame.sequence;
      return;
    }
    this.set(frame.side, frame);
    this.version = frame.version;
  }

  private set(side: 'BUY' | 'SELL', level: Level): void {
    const scaled = toScaled(level.quantity);
    // Keys are canonical so "612.10" and "612.1" are one level.
    const key = fromScaled(toScaled(level.price));
    if (scaled === 0n) this.sides[side].delete(key);
    else this.sides[side].set(key, { price: level.price, quantity: level.quantity, orderCount: level.orderCount, scaled: toScaled(level.price) });
  }

  bestBid(): string | null {
    return this.top('BUY', 1)[0]?.price ?? null;
  }

  bestAsk(): string | null {
    return this.top('SELL', 1)[0]?.price ?? null;
  }

  /** Best first: bids highest first, asks lowest first. */
  top(side: 'BUY' | 'SELL', count: number): Level[] {
    const entries = [...this.sides[side].values()];
    entries.sort((a, b) => (a.scaled === b.scaled ? 0 : (side === 'BUY' ? a.scaled < b.scaled : a.scaled > b.scaled) ? 1 : -1));
    return entries.slice(0, count).map(({ price, quantity, orderCount }) => ({ price, quantity, orderCount }));
  }

  view(depth: number): BookView {
    const bids = withDepth(this.top('BUY', depth));
    const asks = withDepth(this.top('SELL', depth));
    const deepest = [bids.at(-1)?.cumulative ?? '0', asks.at(-1)?.cumulative ?? '0'].reduce((a, b) => (toScaled(a) >= toScaled(b) ? a : b));
    for (const row of [...bids, ...asks]) row.depth = ratio(row.cumulative, deepest);
    const bid = bids[0]?.price;
    const ask = asks[0]?.price;
    let spread: string | null = null;
    let spreadPercent: string | null = null;
    if (bid !== undefined && ask !== undefined) {
      const s = toScaled(ask) - toScaled(bid);
      spread = fromScaled(s);
      const a = toScaled(ask);
      spreadPercent = a === 0n ? null : fromScaled(((s * 100n * 10_000n) / a) * 10n ** 14n);
    }
    return { bids, asks, spread, spreadPercent, synced: this.synced };
  }
}

function withDepth(levels: Level[]): DepthRow[] {
  let running = 0n;
  return levels.map((level) => {
    running += toScaled(level.quantity);
    return { ...level, cumulative: fromScaled(running), depth: 0 };
  });
}

import { divideRounded, formatDecimal, type Scaled } from '../domain/decimal';
import type { PriceUpdate } from '../domain/market-events';

/** What a PriceUpdate says about a symbol: the last trade and the touch. */
export interface Quote {
  last: Scaled | undefined;
  bid: Scaled | undefined;
  ask: Scaled | undefined;
}

/** The mid of bid and ask when both exist (and the book is not crossed), else the last trade price. */
export function markPrice(quote: Quote): Scaled | undefined {
  const { bid, ask, last } = quote;
  if (bid !== undefined && ask !== undefined && bid < ask) return divideRounded(bid + ask, 2n, 'HALF_EVEN');
  return last;
}

export function sameQuote(a: Quote | undefined, b: Quote): boolean {
  return a !== undefined && a.last === b.last && a.bid === b.bid && a.ask === b.ask;
}

/** The PriceUpdate for a quote, or undefined while there is nothing to mark to. */
export function priceUpdate(symbol: string, quote: Quote, version: number, at: Date): PriceUpdate | undefined {
  const mark = markPrice(quote);
  if (mark === undefined) return undefined;
  const text = (value: Scaled | undefined) => (value === undefined ? null : formatDecimal(value));
  return {
    eventId: `${symbol}:price:${version}`,
    eventType: 'PriceUpdate',
    occurredAt: at.toISOString(),
    version,
    symbol,
    last: text(quote.last),
    bid: text(quote.bid),
    ask: text(quote.ask),
    mark: formatDecimal(mark),
  };
}

/**
 * Versions of a symbol's PriceUpdates: seeded from the clock (milliseconds × 1000) so that a restarted publisher
 * continues above every version it sent before, as long as it sends fewer than 1,000 a millisecond on average.
 */
export class PriceVersions {
  private readonly last = new Map<string, number>();

  constructor(private readonly nowMs: () => number) {}

  next(symbol: string): number {
    const version = Math.max((this.last.get(symbol) ?? 0) + 1, this.nowMs() * 1000);
    this.last.set(symbol, version);
    return version;
  }
}

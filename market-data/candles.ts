import { formatDecimal, type Scaled } from '../domain/decimal';
import { CANDLE_INTERVALS, type CandleInterval } from './channels';
import type { Trade } from './trade';

export { CANDLE_INTERVALS, type CandleInterval };

export const INTERVAL_MS: Readonly<Record<CandleInterval, number>> = Object.freeze({
  '1m': 60_000,
  '5m': 5 * 60_000,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
});

export function isCandleInterval(value: string): value is CandleInterval {
  return (CANDLE_INTERVALS as readonly string[]).includes(value);
}

/** One OHLCV bar. Exact inside; `lastVersion` is the feed version of the last trade in it (0 for history). */
export interface Candle {
  symbol: string;
  interval: CandleInterval;
  openTimeMs: number;
  open: Scaled;
  high: Scaled;
  low: Scaled;
  close: Scaled;
  volume: Scaled;
  lastVersion: number;
}

export interface CandleView {
  symbol: string;
  interval: CandleInterval;
  /** UTC, aligned to the interval. */
  openTime: string;
  /** openTime + interval: the end, exclusive. */
  closeTime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  /** Base asset. */
  volume: string;
}

/** A bar of a market data file (1 s or 1 m bars): its start and its OHLCV. */
export interface Bar {
  timeMs: number;
  open: Scaled;
  high: Scaled;
  low: Scaled;
  close: Scaled;
  volume: Scaled;
}

/** The UTC start of the interval holding `timeMs` (epoch time is UTC-aligned, so days start at midnight UTC). */
export function openTimeOf(timeMs: number, interval: CandleInterval): number {
  const ms = INTERVAL_MS[interval];
  return Math.floor(timeMs / ms) * ms;
}

/** The candle after a trade: a new one when the trade opens the interval, else the same candle extended. */
export function withTrade(candle: Candle | undefined, trade: Trade, interval: CandleInterval): Candle {
  const openTimeMs = openTimeOf(trade.timeMs, interval);
  if (candle === undefined || candle.openTimeMs !== openTimeMs) {
    return { symbol: trade.symbol, interval, openTimeMs, open: trade.price, high: trade.price, low: trade.price, close: trade.price, volume: trade.quantity, lastVersion: trade.version };
  }
  return {
    ...candle,
    high: trade.price > candle.high ? trade.price : candle.high,
    low: trade.price < candle.low ? trade.price : candle.low,
    close: trade.price,
    volume: candle.volume + trade.quantity,
    lastVersion: trade.version,
  };
}

/**
 * Bars of `barMs` (aligned to it, in time order) aggregated into candles of `interval`. Exact: a bar never
 * straddles two candles when barMs divides the interval, which the caller's bar length must.
 */
export function aggregateBars(symbol: string, bars: readonly Bar[], barMs: number, interval: CandleInterval): Candle[] {
  const ms = INTERVAL_MS[interval];
  if (barMs <= 0 || ms % barMs !== 0) throw new RangeError(`bars of ${barMs} ms do not aggregate into ${interval} candles`);
  const out: Candle[] = [];
  let current: Candle | undefined;
  for (const bar of bars) {
    if (bar.timeMs % barMs !== 0) throw new RangeError(`bar at ${bar.timeMs} is not aligned to ${barMs} ms`);
    const openTimeMs = openTimeOf(bar.timeMs, interval);
    if (current !== undefined && openTimeMs < current.openTimeMs) throw new RangeError('bars are not in time order');
    if (current === undefined || current.openTimeMs !== openTimeMs) {
      current = { symbol, interval, openTimeMs, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume, lastVersion: 0 };
      out.push(current);
      continue;
    }
    if (bar.high > current.high) current.high = bar.high;
    if (bar.low < current.low) current.low = bar.low;
    current.close = bar.close;
    current.volume += bar.volume;
  }
  return out;
}

export function candleView(c: Candle): CandleView {
  return {
    symbol: c.symbol,
    interval: c.interval,
    openTime: new Date(c.openTimeMs).toISOString(),
    closeTime: new Date(c.openTimeMs + INTERVAL_MS[c.interval]).toISOString(),
    open: formatDecimal(c.open),
    high: formatDecimal(c.high),
    low: formatDecimal(c.low),
    close: formatDecimal(c.close),
    volume: formatDecimal(c.volume),
  };
}

/**
 * The recent candles of one symbol and interval, built from live trades: the open candle and up to `keep`
 * before it (what a new subscriber gets first). A trade at or below the last version counted is ignored.
 */
export class CandleSeries {
  private candles: Candle[] = [];
  private version = 0;

  constructor(
    readonly symbol: string,
    readonly interval: CandleInterval,
    private readonly keep = 200,
  ) {}

  get lastVersion(): number {
    return this.version;
  }

  /** Recent candles from the store, oldest first (the series' version is the newest's). */
  restore(candles: readonly Candle[]): void {
    this.candles = [...candles].sort((a, b) => a.openTimeMs - b.openTimeMs).slice(-this.keep);
    this.version = Math.max(this.version, ...this.candles.map((c) => c.lastVersion));
  }

  /** The candle the trade changed, or undefined if the trade was already counted. */
  apply(trade: Trade): Candle | undefined {
    if (trade.version <= this.version) return undefined;
    this.version = trade.version;
    const openTimeMs = openTimeOf(trade.timeMs, this.interval);
    let index = this.candles.length - 1;
    while (index >= 0 && (this.candles[index] as Candle).openTimeMs > openTimeMs) index -= 1;
    const existing = index >= 0 && this.candles[index]?.openTimeMs === openTimeMs ? this.candles[index] : undefined;
    const next = withTrade(existing, trade, this.interval);
    if (existing !== undefined) this.candles[index] = next;
    else {
      // A trade stamped before the newest candle (the venue's clock stepped back) still lands in its own interval.
      this.candles.splice(index + 1, 0, next);
      if (this.candles.length > this.keep) this.candles.shift();
    }
    return next;
  }

  /** Oldest first. */
  recent(limit = this.keep): Candle[] {
    return this.candles.slice(-limit);
  }
}

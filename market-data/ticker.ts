import { div, divideRounded, formatDecimal, mul, parseDecimal, type Scaled } from '../domain/decimal';
import type { Trade } from './trade';

export const TICKER_WINDOW_MS = 24 * 60 * 60 * 1000;
export const TICKER_BUCKET_MS = 60 * 1000;

/** The trading of one bucket (a minute) of the window. */
export interface TickerBucket {
  startMs: number;
  open: Scaled;
  high: Scaled;
  low: Scaled;
  close: Scaled;
  volume: Scaled;
  quoteVolume: Scaled;
  trades: number;
}

/** The rolling 24 h statistics of a symbol, as clients see them. Null where there is nothing to say. */
export interface TickerView {
  symbol: string;
  last: string | null;
  lastTime: string | null;
  bid: string | null;
  ask: string | null;
  /** The first trade price of the window, and the extremes and sums over it (base and quote asset). */
  open: string | null;
  high: string | null;
  low: string | null;
  volume: string;
  quoteVolume: string;
  trades: number;
  /** last - open, and the same in percent of open (4 decimals). */
  change: string | null;
  changePercent: string | null;
  /** The start of the oldest minute counted: the window is the last 1,440 minutes, the current one included. */
  windowStart: string;
  time: string;
}

/** The ticker's state as persisted (decimal strings), to come back after a restart. */
export interface TickerState {
  lastVersion: number;
  last: { price: string; timeMs: number } | null;
  buckets: BucketState[];
}

export interface BucketState {
  startMs: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  trades: number;
}

const PERCENT_DECIMALS = 4;

/**
 * 24 h rolling ticker from trades in per-minute buckets: memory is bounded by the 1,440 minutes of the window,
 * whatever the trade rate. A trade at or below the last version counted is a redelivery and is ignored.
 */
export class RollingTicker {
  private readonly buckets = new Map<number, TickerBucket>();
  private last: { price: Scaled; timeMs: number } | undefined;
  private version = 0;

  constructor(
    readonly symbol: string,
    private readonly windowMs = TICKER_WINDOW_MS,
    private readonly bucketMs = TICKER_BUCKET_MS,
  ) {}

  get lastVersion(): number {
    return this.version;
  }

  get lastPrice(): Scaled | undefined {
    return this.last?.price;
  }

  /** Counts the trade; returns the bucket it changed, or undefined for a redelivery. */
  add(trade: Trade): TickerBucket | undefined {
    if (trade.version <= this.version) return undefined;
    this.version = trade.version;
    this.last = { price: trade.price, timeMs: trade.timeMs };
    const startMs = Math.floor(trade.timeMs / this.bucketMs) * this.bucketMs;
    const quote = mul(trade.price, trade.quantity, 'HALF_EVEN');
    const bucket = this.buckets.get(startMs);
    if (bucket === undefined) {
      const fresh = { startMs, open: trade.price, high: trade.price, low: trade.price, close: trade.price, volume: trade.quantity, quoteVolume: quote, trades: 1 };
      this.buckets.set(startMs, fresh);
      return fresh;
    }
    if (trade.price > bucket.high) bucket.high = trade.price;
    if (trade.price < bucket.low) bucket.low = trade.price;
    bucket.close = trade.price;
    bucket.volume += trade.quantity;
    bucket.quoteVolume += quote;
    bucket.trades += 1;
    return bucket;
  }

  /** Forgets the minutes that left the window; returns their start times. */
  evict(nowMs: number): number[] {
    const gone: number[] = [];
    for (const startMs of this.buckets.keys()) if (startMs < this.windowStart(nowMs)) gone.push(startMs);
    for (const startMs of gone) this.buckets.delete(startMs);
    return gone;
  }

  view(nowMs: number, bid: Scaled | undefined, ask: Scaled | undefined): TickerView {
    const from = this.windowStart(nowMs);
    const inWindow = [...this.buckets.values()].filter((b) => b.startMs >= from).sort((a, b) => a.startMs - b.startMs);
    const first = inWindow[0];
    const lastBucket = inWindow.at(-1);
    let high: Scaled | undefined;
    let low: Scaled | undefined;
    let volume = 0n;
    let quoteVolume = 0n;
    let trades = 0;
    for (const b of inWindow) {
      if (high === undefined || b.high > high) high = b.high;
      if (low === undefined || b.low < low) low = b.low;
      volume += b.volume;
      quoteVolume += b.quoteVolume;
      trades += b.trades;
    }
    const open = first?.open;
    // The last trade of the window (the latest trade may be older than the window: then it is still "last").
    const last = this.last?.price ?? lastBucket?.close;
    const change = open !== undefined && last !== undefined ? last - open : undefined;
    return {
      symbol: this.symbol,
      last: text(last),
      lastTime: this.last === undefined ? null : new Date(this.last.timeMs).toISOString(),
      bid: text(bid),
      ask: text(ask),
      open: text(open),
      high: text(high),
      low: text(low),
      volume: formatDecimal(volume),
      quoteVolume: formatDecimal(quoteVolume),
      trades,
      change: text(change),
      changePercent: change === undefined || open === undefined || open === 0n ? null : formatDecimal(percent(change, open)),
      windowStart: new Date(from).toISOString(),
      time: new Date(nowMs).toISOString(),
    };
  }

  state(): TickerState {
    return {
      lastVersion: this.version,
      last: this.last === undefined ? null : { price: formatDecimal(this.last.price), timeMs: this.last.timeMs },
      buckets: [...this.buckets.values()].map(bucketState),
    };
  }

  static restore(symbol: string, state: TickerState, windowMs = TICKER_WINDOW_MS, bucketMs = TICKER_BUCKET_MS): RollingTicker {
    const ticker = new RollingTicker(symbol, windowMs, bucketMs);
    ticker.version = state.lastVersion;
    ticker.last = state.last === null ? undefined : { price: parseDecimal(state.last.price), timeMs: state.last.timeMs };
    for (const b of state.buckets) ticker.buckets.set(b.startMs, bucketFromState(b));
    return ticker;
  }

  private windowStart(nowMs: number): number {
    // Whole minutes: the oldest counted is the one after the minute holding now - window.
    return Math.floor((nowMs - this.windowMs) / this.bucketMs) * this.bucketMs + this.bucketMs;
  }
}

export function bucketState(b: TickerBucket): BucketState {
  return {
    startMs: b.startMs,
    open: formatDecimal(b.open),
    high: formatDecimal(b.high),
    low: formatDecimal(b.low),
    close: formatDecimal(b.close),
    volume: formatDecimal(b.volume),
    quoteVolume: formatDecimal(b.quoteVolume),
    trades: b.trades,
  };
}

function bucketFromState(b: BucketState): TickerBucket {
  return {
    startMs: b.startMs,
    open: parseDecimal(b.open),
    high: parseDecimal(b.high),
    low: parseDecimal(b.low),
    close: parseDecimal(b.close),
    volume: parseDecimal(b.volume),
    quoteVolume: parseDecimal(b.quoteVolume),
    trades: b.trades,
  };
}

function text(value: Scaled | undefined): string | null {
  return value === undefined ? null : formatDecimal(value);
}

/** change / open × 100, rounded half-even to PERCENT_DECIMALS. */
function percent(change: Scaled, open: Scaled): Scaled {
  const exact = div(change * 100n, open, 'HALF_EVEN');
  const step = 10n ** BigInt(18 - PERCENT_DECIMALS);
  return divideRounded(exact, step, 'HALF_EVEN') * step;
}

import { formatDecimal, parseDecimal } from '../domain/decimal';
import type { SymbolRegistry } from '../domain/symbols';
import type { PriceFeedEvent } from '../domain/venue-events';
import { BookSync, type BookSnapshot, type FeedStep, type SnapshotOutcome } from './book-sync';
import { CANDLE_INTERVALS, CandleSeries, candleView, type Candle, type CandleInterval, type CandleView } from './candles';
import { publicChannelName, type ChannelSink, type PublicChannel } from './channels';
import { levelView, type BookLevelView } from './order-book';
import { markPrice, type Quote } from './prices';
import { RecentTrades } from './recent-trades';
import { RollingTicker, type TickerState, type TickerView } from './ticker';
import { tradeFromEvent, tradeView, type Trade, type TradeView } from './trade';

/** The book as REST and the `book` channel show it. `synced` is false while the book waits for a snapshot. */
export interface BookView {
  symbol: string;
  sequence: number;
  synced: boolean;
  bids: BookLevelView[];
  asks: BookLevelView[];
}

/** Updates on `book:SYM`: a level change in sequence, or the whole book after a resnapshot. */
export type BookUpdate =
  | ({ type: 'delta'; symbol: string; version: number } & BookLevelView & { side: 'BUY' | 'SELL' })
  | ({ type: 'snapshot' } & BookView);

/** What a symbol's hot snapshot holds (Redis): enough to serve at once after a restart. */
export interface HotState {
  book: { sequence: number; bids: BookLevelView[]; asks: BookLevelView[] } | null;
  ticker: TickerState | null;
  trades: TradeView[];
}

/** What changed with one event, for the caller's I/O. */
export interface FeedOutcome {
  /** The book is out of step: fetch a snapshot (beginSnapshot / applySnapshot). */
  resync: boolean;
  /** The event waits for a snapshot already asked for. */
  waiting: boolean;
  /** Candles changed by trades counted now: to persist. */
  candles: Candle[];
}

export interface MarketStateOptions {
  symbols: SymbolRegistry;
  clock?: () => number;
  /** Recent trades kept per symbol. Default 500. */
  tradesKept?: number;
  /** Recent candles kept in memory per symbol and interval. Default 200. */
  candlesKept?: number;
  /** Called after anything of a symbol changed that the throttled work (ticker, prices, hot snapshot) reads. */
  onChange?: (symbol: string, what: { book: boolean; trades: boolean }) => void;
}

interface SymbolMarket {
  symbol: string;
  sync: BookSync<Trade>;
  ticker: RollingTicker;
  trades: RecentTrades;
  candles: Record<CandleInterval, CandleSeries>;
  /** Ticker minutes changed since the last hot snapshot. */
  dirtyBuckets: Set<number>;
}

/**
 * The market data of every symbol: books kept in step with the venue's feed, tickers, recent trades, candles.
 * Everything here is synchronous and on one event loop, so a snapshot taken at subscribe time contains exactly
 * the updates published before it (channels.ts). I/O (Kafka, the venue, Redis, Mongo) is the caller's.
 *
 * Trades count (ticker, recent trades, candles) once, and only when they are this venue's: applied in sequence,
 * included in a snapshot the venue gave, or covered by one and read late. A trade the book sync calls foreign
 * (another venue run publishing the same symbol) never counts, so it cannot push the watermark above ours.
 */
export class MarketState {
  private readonly markets = new Map<string, SymbolMarket>();
  private sink: ChannelSink | undefined;
  private readonly clock: () => number;
  private readonly tradesKept: number;

  constructor(private readonly options: MarketStateOptions) {
    this.clock = options.clock ?? Date.now;
    this.tradesKept = options.tradesKept ?? 500;
    for (const spec of options.symbols.list()) this.markets.set(spec.symbol, this.freshMarket(spec.symbol));
  }

  get symbols(): string[] {
    return [...this.markets.keys()];
  }

  get maxTrades(): number {
    return this.tradesKept;
  }

  setSink(sink: ChannelSink | undefined): void {
    this.sink = sink;
  }

  /** The hot snapshot and the stored recent candles of a symbol, before the feed is consumed. */
  restore(symbol: string, hot: HotState | null, candles: Record<CandleInterval, Candle[]>): void {
    const market = this.market(symbol);
    if (hot?.book != null) {
      const restored: BookSnapshot = { sequence: hot.book.sequence, bids: hot.book.bids.map(levelFromView), asks: hot.book.asks.map(levelFromView) };
      market.sync = new BookSync<Trade>({ restored });
    }
    if (hot?.ticker != null) market.ticker = RollingTicker.restore(symbol, hot.ticker);
    if (hot !== null) {
      const ring = new RecentTrades(this.tradesKept);
      for (const view of [...hot.trades].reverse()) ring.add({ ...view, price: parseDecimal(view.price), quantity: parseDecimal(view.quantity), timeMs: Date.parse(view.time) });
      market.trades = ring;
    }
    for (const interval of CANDLE_INTERVALS) market.candles[interval].restore(candles[interval]);
  }

  /** One event of `price-feeds` (already validated, symbol known). */
  applyFeedEvent(event: PriceFeedEvent): FeedOutcome {
    const market = this.market(event.symbol);
    const step: FeedStep<Trade> =
      event.eventType === 'PublicTrade'
        ? { version: event.version, payload: tradeFromEvent(event) }
        : { version: event.version, change: { side: event.side, price: parseDecimal(event.price), quantity: parseDecimal(event.quantity), orderCount: event.orderCount } };
    const outcome = market.sync.onEvent(step);
    const candles: Candle[] = [];
    let bookChanged = false;
    if (outcome.kind === 'applied' && step.change !== undefined) {
      bookChanged = true;
      const { side, price, quantity, orderCount } = step.change;
      this.publish(publicChannelName({ kind: 'book', symbol: market.symbol }), {
        type: 'delta',
        symbol: market.symbol,
        version: step.version,
        side,
        price: formatDecimal(price),
        quantity: formatDecimal(quantity),
        orderCount,
      } satisfies BookUpdate);
    }
    // A stale trade is either a redelivery (the watermarks drop it) or ours, covered by a snapshot and read late.
    const tradesCounted = (outcome.kind === 'applied' || outcome.kind === 'stale') && step.payload !== undefined && this.countTrade(market, step.payload, candles);
    if (bookChanged || tradesCounted) this.options.onChange?.(market.symbol, { book: bookChanged, trades: tradesCounted });
    return { resync: outcome.kind === 'gap', waiting: outcome.kind === 'buffered', candles };
  }

  /** A snapshot of the symbol's book is about to be fetched: the ticket for applySnapshot. */
  beginSnapshot(symbol: string): number {
    return this.market(symbol).sync.beginSnapshot();
  }

  applySnapshot(symbol: string, snapshot: BookSnapshot, ticket: number): SnapshotOutcome<Trade> & { candles: Candle[] } {
    const market = this.market(symbol);
    const outcome = market.sync.onSnapshot(snapshot, ticket);
    const candles: Candle[] = [];
    let tradesCounted = false;
    for (const step of outcome.accepted) if (step.payload !== undefined && this.countTrade(market, step.payload, candles)) tradesCounted = true;
    if (!outcome.resync) this.publish(publicChannelName({ kind: 'book', symbol }), { type: 'snapshot', ...this.book(symbol) } satisfies BookUpdate);
    this.options.onChange?.(symbol, { book: true, trades: tradesCounted });
    return { ...outcome, candles };
  }

  book(symbol: string, depth?: number): BookView {
    const { sync } = this.market(symbol);
    const levels = sync.book?.levels(depth) ?? { bids: [], asks: [] };
    return { symbol, sequence: sync.sequence, synced: sync.live, bids: levels.bids.map(levelView), asks: levels.asks.map(levelView) };
  }

  quote(symbol: string): Quote {
    const market = this.market(symbol);
    const book = market.sync.book;
    return { last: market.ticker.lastPrice, bid: book?.bestBid()?.price, ask: book?.bestAsk()?.price };
  }

  /** The mark (mid, else last) as a decimal string, or null. */
  mark(symbol: string): string | null {
    if (!this.markets.has(symbol)) return null;
    const mark = markPrice(this.quote(symbol));
    return mark === undefined ? null : formatDecimal(mark);
  }

  ticker(symbol: string): TickerView {
    const { bid, ask } = this.quote(symbol);
    return this.market(symbol).ticker.view(this.clock(), bid, ask);
  }

  trades(symbol: string, limit?: number): TradeView[] {
    return this.market(symbol).trades.list(limit).map(tradeView);
  }

  candles(symbol: string, interval: CandleInterval, limit?: number): CandleView[] {
    return this.market(symbol).candles[interval].recent(limit).map(candleView);
  }

  /** The hot snapshot to write, and the ticker minutes to write and to forget since the last one. */
  hotState(symbol: string): { state: HotState; buckets: TickerState['buckets']; evicted: number[] } {
    const market = this.market(symbol);
    const evicted = market.ticker.evict(this.clock());
    const tickerState = market.ticker.state();
    const buckets = tickerState.buckets.filter((b) => market.dirtyBuckets.has(b.startMs));
    market.dirtyBuckets.clear();
    const book = market.sync.book === undefined ? null : (({ sequence, bids, asks }) => ({ sequence, bids, asks }))(this.book(symbol));
    return { state: { book, ticker: { ...tickerState, buckets: [] }, trades: this.trades(symbol) }, buckets, evicted };
  }

  /** A hot snapshot write failed: its ticker minutes go into the next one. */
  hotStateNotSaved(symbol: string, buckets: readonly { startMs: number }[]): void {
    const market = this.market(symbol);
    for (const b of buckets) market.dirtyBuckets.add(b.startMs);
  }

  /** ChannelSource.snapshot: what a new subscriber of a public channel gets first. */
  snapshot(channel: PublicChannel): unknown {
    switch (channel.kind) {
      case 'book':
        return { type: 'snapshot', ...this.book(channel.symbol) } satisfies BookUpdate;
      case 'ticker':
        return this.ticker(channel.symbol);
      case 'trades':
        return { symbol: channel.symbol, trades: this.trades(channel.symbol) };
      case 'candles':
        return { symbol: channel.symbol, interval: channel.interval, candles: this.candles(channel.symbol, channel.interval) };
    }
  }

  has(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  publishTicker(symbol: string): void {
    this.publish(publicChannelName({ kind: 'ticker', symbol }), this.ticker(symbol));
  }

  private countTrade(market: SymbolMarket, trade: Trade, candles: Candle[]): boolean {
    const bucket = market.ticker.add(trade);
    if (bucket !== undefined) market.dirtyBuckets.add(bucket.startMs);
    const fresh = market.trades.add(trade);
    if (fresh) this.publish(publicChannelName({ kind: 'trades', symbol: market.symbol }), tradeView(trade));
    for (const interval of CANDLE_INTERVALS) {
      const candle = market.candles[interval].apply(trade);
      if (candle === undefined) continue;
      candles.push(candle);
      this.publish(publicChannelName({ kind: 'candles', symbol: market.symbol, interval }), candleView(candle));
    }
    return bucket !== undefined || fresh;
  }

  private publish(channel: string, data: unknown): void {
    this.sink?.publish(channel, data);
  }

  private market(symbol: string): SymbolMarket {
    const market = this.markets.get(symbol);
    if (market === undefined) throw new Error(`no market data for symbol ${symbol}`);
    return market;
  }

  private freshMarket(symbol: string): SymbolMarket {
    const kept = this.options.candlesKept ?? 200;
    return {
      symbol,
      sync: new BookSync<Trade>(),
      ticker: new RollingTicker(symbol),
      trades: new RecentTrades(this.tradesKept),
      candles: {
        '1m': new CandleSeries(symbol, '1m', kept),
        '5m': new CandleSeries(symbol, '5m', kept),
        '1h': new CandleSeries(symbol, '1h', kept),
        '1d': new CandleSeries(symbol, '1d', kept),
      },
      dirtyBuckets: new Set(),
    };
  }
}

function levelFromView(view: BookLevelView) {
  return { price: parseDecimal(view.price), quantity: parseDecimal(view.quantity), orderCount: view.orderCount };
}

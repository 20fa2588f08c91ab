import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import type { PriceFeedEvent } from '../domain/venue-events';
import { parseDecimal } from '../domain/decimal';
import { MarketState } from './market-state';

const d = parseDecimal;
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const at = (ms: number) => new Date(T0 + ms).toISOString();

const tradeEvent = (version: number, price: string, quantity: string, ms = 0): PriceFeedEvent => ({
  eventId: `BTC-USD:${version}`,
  eventType: 'PublicTrade',
  occurredAt: at(ms),
  version,
  symbol: 'BTC-USD',
  tradeId: `BTC-USD-1-${version}`,
  price,
  quantity,
  takerSide: 'BUY',
});
const deltaEvent = (version: number, side: 'BUY' | 'SELL', price: string, quantity: string, orderCount = 1): PriceFeedEvent => ({
  eventId: `BTC-USD:${version}`,
  eventType: 'BookDelta',
  occurredAt: at(0),
  version,
  symbol: 'BTC-USD',
  side,
  price,
  quantity,
  orderCount,
});
const level = (price: string, quantity: string, orderCount = 1) => ({ price: d(price), quantity: d(quantity), orderCount });

function setup() {
  const published: Array<{ channel: string; data: any }> = [];
  const changes: Array<{ symbol: string; book: boolean; trades: boolean }> = [];
  const state = new MarketState({
    symbols: new SymbolRegistry(DEFAULT_SYMBOLS),
    clock: () => T0 + 120_000,
    tradesKept: 3,
    onChange: (symbol, what) => changes.push({ symbol, ...what }),
  });
  state.setSink({ publish: (channel, data) => published.push({ channel, data }) });
  const synced = () => {
    const ticket = state.beginSnapshot('BTC-USD');
    state.applySnapshot('BTC-USD', { sequence: 100, bids: [level('99', '1')], asks: [level('101', '2')] }, ticket);
    published.length = 0;
    changes.length = 0;
  };
  return { state, published, changes, synced };
}

describe('MarketState', () => {
  it('knows every symbol of the registry, each with an empty unsynced book at first', () => {
    const { state } = setup();
    expect(state.symbols).toEqual(['BTC-USD', 'ETH-USD', 'SOL-USD']);
    expect(state.book('ETH-USD')).toEqual({ symbol: 'ETH-USD', sequence: 0, synced: false, bids: [], asks: [] });
    expect(state.mark('ETH-USD')).toBeNull();
    expect(state.mark('DOGE-USD')).toBeNull();
    expect(() => state.book('DOGE-USD')).toThrow('no market data');
  });

  it('publishes the book snapshot after a resnapshot, then each delta in sequence', () => {
    const { state, published, synced, changes } = setup();
    synced();
    expect(state.applyFeedEvent(deltaEvent(101, 'BUY', '100', '0.5', 2))).toEqual({ resync: false, waiting: false, candles: [] });
    expect(published).toEqual([{ channel: 'book:BTC-USD', data: { type: 'delta', symbol: 'BTC-USD', version: 101, side: 'BUY', price: '100', quantity: '0.5', orderCount: 2 } }]);
    expect(changes).toEqual([{ symbol: 'BTC-USD', book: true, trades: false }]);
    expect(state.book('BTC-USD', 1)).toEqual({ symbol: 'BTC-USD', sequence: 101, synced: true, bids: [{ price: '100', quantity: '0.5', orderCount: 2 }], asks: [{ price: '101', quantity: '2', orderCount: 1 }] });
    expect(state.quote('BTC-USD')).toEqual({ last: undefined, bid: d('100'), ask: d('101') });
    expect(state.mark('BTC-USD')).toBe('100.5');
  });

  it('on a gap asks for a snapshot and publishes nothing until it comes; then the whole book', () => {
    const { state, published, synced } = setup();
    synced();
    expect(state.applyFeedEvent(deltaEvent(105, 'SELL', '101', '0'))).toEqual({ resync: true, waiting: false, candles: [] });
    const ticket = state.beginSnapshot('BTC-USD');
    expect(state.applyFeedEvent(deltaEvent(106, 'SELL', '102', '1'))).toEqual({ resync: false, waiting: true, candles: [] });
    expect(published).toEqual([]);
    expect(state.book('BTC-USD').synced).toBe(false);
    state.applySnapshot('BTC-USD', { sequence: 105, bids: [level('99', '1')], asks: [] }, ticket);
    expect(published).toEqual([
      { channel: 'book:BTC-USD', data: { type: 'snapshot', symbol: 'BTC-USD', sequence: 106, synced: true, bids: [{ price: '99', quantity: '1', orderCount: 1 }], asks: [{ price: '102', quantity: '1', orderCount: 1 }] } },
    ]);
  });

  it('counts a trade once: trades, candles and ticker; the last price marks without a book', () => {
    const { state, published, synced, changes } = setup();
    synced();
    const outcome = state.applyFeedEvent(tradeEvent(101, '100.5', '0.25', 30_000));
    expect(outcome.resync).toBe(false);
    expect(outcome.candles.map((c) => c.interval)).toEqual(['1m', '5m', '1h', '1d']);
    expect(published.map((p) => p.channel)).toEqual(['trades:BTC-USD', 'candles:BTC-USD:1m', 'candles:BTC-USD:5m', 'candles:BTC-USD:1h', 'candles:BTC-USD:1d']);
    expect(published[0]!.data).toEqual({ tradeId: 'BTC-USD-1-101', symbol: 'BTC-USD', price: '100.5', quantity: '0.25', takerSide: 'BUY', time: at(30_000), version: 101 });
    expect(published[1]!.data).toMatchObject({ interval: '1m', openTime: at(0), open: '100.5', volume: '0.25' });
    expect(changes).toEqual([{ symbol: 'BTC-USD', book: false, trades: true }]);
    // A redelivery changes nothing.
    published.length = 0;
    expect(state.applyFeedEvent(tradeEvent(101, '100.5', '0.25', 30_000))).toEqual({ resync: false, waiting: false, candles: [] });
    expect(published).toEqual([]);
    expect(state.ticker('BTC-USD')).toMatchObject({ last: '100.5', bid: '99', ask: '101', volume: '0.25', trades: 1, open: '100.5' });
    expect(state.trades('BTC-USD')).toHaveLength(1);
    expect(state.candles('BTC-USD', '1h')).toEqual([expect.objectContaining({ open: '100.5', openTime: at(0) })]);
  });

  it('never counts a foreign trade, and counts ours that a snapshot covered', () => {
    const { state, synced } = setup();
    synced();
    // Another venue run's trade: a gap; the venue's snapshot is below it, so it was not this venue's.
    expect(state.applyFeedEvent(tradeEvent(9_000_000, '1', '100')).resync).toBe(true);
    let ticket = state.beginSnapshot('BTC-USD');
    let outcome = state.applySnapshot('BTC-USD', { sequence: 103, bids: [], asks: [] }, ticket);
    expect(outcome).toMatchObject({ foreign: 1, candles: [] });
    expect(state.trades('BTC-USD')).toEqual([]);
    // Ours, published before the venue answered a snapshot but read after: covered, yet counted once.
    expect(state.applyFeedEvent(tradeEvent(103, '100', '1')).candles).toHaveLength(4);
    expect(state.applyFeedEvent(tradeEvent(103, '100', '1')).candles).toHaveLength(0);
    // Ours after a gap (a venue restart): counted when the snapshot shows it.
    expect(state.applyFeedEvent(tradeEvent(500, '101', '1')).resync).toBe(true);
    ticket = state.beginSnapshot('BTC-USD');
    outcome = state.applySnapshot('BTC-USD', { sequence: 500, bids: [], asks: [] }, ticket);
    expect(outcome).toMatchObject({ covered: 1, foreign: 0 });
    expect(outcome.candles).toHaveLength(4);
    expect(state.trades('BTC-USD').map((t) => t.version)).toEqual([500, 103]);
  });

  it('keeps the recent trades bounded', () => {
    const { state, synced } = setup();
    synced();
    for (let v = 101; v <= 106; v++) state.applyFeedEvent(tradeEvent(v, '100', '1'));
    expect(state.trades('BTC-USD').map((t) => t.version)).toEqual([106, 105, 104]);
    expect(state.trades('BTC-USD', 1)).toHaveLength(1);
  });

  it('gives a subscriber the current state of each public channel', () => {
    const { state, synced } = setup();
    synced();
    state.applyFeedEvent(tradeEvent(101, '100', '2', 1_000));
    expect(state.snapshot({ kind: 'book', symbol: 'BTC-USD' })).toMatchObject({ type: 'snapshot', symbol: 'BTC-USD', sequence: 101, synced: true });
    expect(state.snapshot({ kind: 'ticker', symbol: 'BTC-USD' })).toMatchObject({ symbol: 'BTC-USD', last: '100', volume: '2' });
    expect(state.snapshot({ kind: 'trades', symbol: 'BTC-USD' })).toEqual({ symbol: 'BTC-USD', trades: [expect.objectContaining({ version: 101 })] });
    expect(state.snapshot({ kind: 'candles', symbol: 'BTC-USD', interval: '5m' })).toEqual({ symbol: 'BTC-USD', interval: '5m', candles: [expect.objectContaining({ open: '100', openTime: at(0) })] });
  });

  it('comes back from its hot snapshot and stored candles, and ignores what they already hold', () => {
    const first = setup();
    first.synced();
    first.state.applyFeedEvent(deltaEvent(101, 'BUY', '99.5', '3'));
    first.state.applyFeedEvent(tradeEvent(102, '100', '2', 1_000));
    first.state.applyFeedEvent(tradeEvent(103, '101', '1', 61_000));
    const hot = first.state.hotState('BTC-USD');
    expect(hot.buckets.map((b) => b.startMs)).toEqual([T0, T0 + 60_000]);
    expect(first.state.hotState('BTC-USD').buckets).toEqual([]);
    const candles = { '1m': [] as any[], '5m': [] as any[], '1h': [] as any[], '1d': [] as any[] };
    // The candles as the store gives them back (the state's own series here).
    for (const interval of ['1m', '5m', '1h', '1d'] as const) candles[interval] = (first.state as any).markets.get('BTC-USD').candles[interval].recent();

    const second = setup();
    second.state.restore('BTC-USD', JSON.parse(JSON.stringify({ ...hot.state, ticker: { ...hot.state.ticker, buckets: hot.buckets } })), candles);
    // The same book, marked not synced until the venue confirms it.
    expect(second.state.book('BTC-USD')).toEqual({ ...first.state.book('BTC-USD'), synced: false });
    expect(second.state.ticker('BTC-USD')).toEqual(first.state.ticker('BTC-USD'));
    expect(second.state.trades('BTC-USD')).toEqual(first.state.trades('BTC-USD'));
    expect(second.state.candles('BTC-USD', '1m')).toEqual(first.state.candles('BTC-USD', '1m'));
    // Redelivered from an older committed offset: already counted everywhere.
    expect(second.state.applyFeedEvent(tradeEvent(103, '101', '1', 61_000))).toEqual({ resync: false, waiting: false, candles: [] });
    expect(second.state.applyFeedEvent(tradeEvent(104, '102', '1', 62_000)).candles).toHaveLength(4);
    expect(second.state.ticker('BTC-USD')).toMatchObject({ trades: 3, last: '102' });
  });

  it('publishes nowhere until a sink is set', () => {
    const state = new MarketState({ symbols: new SymbolRegistry(DEFAULT_SYMBOLS) });
    const ticket = state.beginSnapshot('BTC-USD');
    expect(() => state.applySnapshot('BTC-USD', { sequence: 1, bids: [], asks: [] }, ticket)).not.toThrow();
    const published: string[] = [];
    state.setSink({ publish: (channel) => published.push(channel) });
    state.publishTicker('BTC-USD');
    expect(published).toEqual(['ticker:BTC-USD']);
  });
});

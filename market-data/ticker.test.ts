import fc from 'fast-check';
import { formatDecimal, mul, parseDecimal } from '../domain/decimal';
import { RollingTicker, TICKER_BUCKET_MS, TICKER_WINDOW_MS } from './ticker';
import type { Trade } from './trade';

const d = parseDecimal;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
let version = 0;
const trade = (price: string, quantity: string, timeMs: number, v = ++version): Trade => ({
  version: v,
  tradeId: `t${v}`,
  symbol: 'BTC-USD',
  price: d(price),
  quantity: d(quantity),
  takerSide: 'BUY',
  timeMs,
});

describe('RollingTicker', () => {
  it('has nothing to say before the first trade', () => {
    const view = new RollingTicker('BTC-USD').view(T0, undefined, undefined);
    expect(view).toMatchObject({ last: null, open: null, high: null, low: null, volume: '0', quoteVolume: '0', trades: 0, change: null, changePercent: null, bid: null, ask: null });
  });

  it('sums the window: open is its first trade, change against it, bid and ask from the caller', () => {
    const ticker = new RollingTicker('BTC-USD');
    ticker.add(trade('100', '1', T0));
    ticker.add(trade('110.5', '0.5', T0 + 30_000));
    ticker.add(trade('95', '2', T0 + 5 * 60_000));
    ticker.add(trade('101', '0.25', T0 + 60 * 60_000));
    const view = ticker.view(T0 + 2 * 60 * 60_000, d('100.99'), d('101.01'));
    expect(view).toMatchObject({
      symbol: 'BTC-USD',
      last: '101',
      lastTime: new Date(T0 + 60 * 60_000).toISOString(),
      bid: '100.99',
      ask: '101.01',
      open: '100',
      high: '110.5',
      low: '95',
      volume: '3.75',
      quoteVolume: '370.5',
      trades: 4,
      change: '1',
      changePercent: '1',
    });
  });

  it('drops trades as their minute leaves the 24 h window; the last price stays', () => {
    const ticker = new RollingTicker('BTC-USD');
    ticker.add(trade('100', '1', T0));
    ticker.add(trade('200', '1', T0 + 60_000));
    expect(ticker.view(T0 + TICKER_WINDOW_MS - 1, undefined, undefined)).toMatchObject({ open: '100', trades: 2 });
    // A day after the first minute ended, the first minute is out.
    expect(ticker.view(T0 + TICKER_WINDOW_MS, undefined, undefined)).toMatchObject({ open: '200', low: '200', trades: 1, change: '0', changePercent: '0' });
    expect(ticker.evict(T0 + TICKER_WINDOW_MS + 60_000)).toEqual([T0, T0 + 60_000]);
    expect(ticker.view(T0 + TICKER_WINDOW_MS + 60_000, undefined, undefined)).toMatchObject({ last: '200', open: null, volume: '0', trades: 0, change: null });
  });

  it('ignores a redelivered trade and rounds the percentage half-even to 4 decimals', () => {
    const ticker = new RollingTicker('BTC-USD');
    ticker.add(trade('3', '1', T0, 10));
    expect(ticker.add(trade('4', '1', T0, 10))).toBeUndefined();
    expect(ticker.add(trade('4', '1', T0, 9))).toBeUndefined();
    ticker.add(trade('4', '1', T0, 11));
    // 1/3 = 33.33333...%
    expect(ticker.view(T0, undefined, undefined)).toMatchObject({ trades: 2, change: '1', changePercent: '33.3333' });
    ticker.add(trade('2', '1', T0, 12));
    expect(ticker.view(T0, undefined, undefined).changePercent).toBe('-33.3333');
  });

  it('comes back from its persisted state', () => {
    const ticker = new RollingTicker('BTC-USD');
    ticker.add(trade('100', '1', T0, 20));
    ticker.add(trade('101', '2', T0 + 90_000, 21));
    const restored = RollingTicker.restore('BTC-USD', JSON.parse(JSON.stringify(ticker.state())));
    expect(restored.view(T0 + 100_000, undefined, undefined)).toEqual(ticker.view(T0 + 100_000, undefined, undefined));
    expect(restored.lastVersion).toBe(21);
    expect(restored.add(trade('1', '1', T0, 21))).toBeUndefined();
  });

  it('equals a direct computation over the trades of the window (property)', () => {
    const tradesArb = fc.array(
      fc.record({ price: fc.integer({ min: 1, max: 10_000 }), qty: fc.integer({ min: 1, max: 1_000 }), offsetMin: fc.integer({ min: 0, max: 3_000 }), sec: fc.integer({ min: 0, max: 59 }) }),
      { minLength: 1, maxLength: 80 },
    );
    fc.assert(
      fc.property(tradesArb, fc.integer({ min: 0, max: 3_100 }), (raw, nowMin) => {
        const trades = raw
          .map((t) => ({ price: BigInt(t.price) * 10n ** 16n, quantity: BigInt(t.qty) * 10n ** 14n, timeMs: T0 + t.offsetMin * 60_000 + t.sec * 1000 }))
          .sort((a, b) => a.timeMs - b.timeMs);
        const ticker = new RollingTicker('BTC-USD');
        trades.forEach((t, i) => ticker.add({ version: i + 1, tradeId: `t${i}`, symbol: 'BTC-USD', takerSide: 'SELL', ...t }));
        const nowMs = T0 + nowMin * 60_000 + 30_000;
        const from = Math.floor((nowMs - TICKER_WINDOW_MS) / TICKER_BUCKET_MS) * TICKER_BUCKET_MS + TICKER_BUCKET_MS;
        const inWindow = trades.filter((t) => t.timeMs >= from);
        const view = ticker.view(nowMs, undefined, undefined);
        const last = trades.at(-1)!.price;
        expect(view.last).toBe(formatDecimal(last));
        expect(view.trades).toBe(inWindow.length);
        expect(view.volume).toBe(formatDecimal(inWindow.reduce((s, t) => s + t.quantity, 0n)));
        expect(view.quoteVolume).toBe(formatDecimal(inWindow.reduce((s, t) => s + mul(t.price, t.quantity, 'HALF_EVEN'), 0n)));
        if (inWindow.length === 0) {
          expect(view.open).toBeNull();
          return;
        }
        const prices = inWindow.map((t) => t.price);
        expect(view.open).toBe(formatDecimal(inWindow[0]!.price));
        expect(view.high).toBe(formatDecimal(prices.reduce((a, b) => (b > a ? b : a))));
        expect(view.low).toBe(formatDecimal(prices.reduce((a, b) => (b < a ? b : a))));
        expect(view.change).toBe(formatDecimal(last - inWindow[0]!.price));
      }),
    );
  });
});

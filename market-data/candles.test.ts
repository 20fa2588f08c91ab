import fc from 'fast-check';
import { join } from 'node:path';
import { parseDecimal } from '../domain/decimal';
import type { TradeBar } from '../domain/market-data-csv';
import { readMarketDataFile } from '../infra/market-data-file';
import { aggregateBars, CandleSeries, candleView, INTERVAL_MS, isCandleInterval, openTimeOf, withTrade, type Bar, type Candle } from './candles';
import type { Trade } from './trade';
import { MARKET_DIR } from '../test/harness/venue-feed-fixture';

const d = parseDecimal;
const DAY = Date.UTC(2016, 9, 7);
const trade = (version: number, price: string, quantity: string, timeMs: number): Trade => ({
  version,
  tradeId: `t${version}`,
  symbol: 'BTC-USD',
  price: d(price),
  quantity: d(quantity),
  takerSide: 'SELL',
  timeMs,
});
const ohlcv = (c: Candle) => ({ t: c.openTimeMs, ...candleView(c) });

describe('candle intervals', () => {
  it('align to UTC interval starts', () => {
    const t = Date.UTC(2026, 10, 21, 13, 47, 59, 999);
    expect(new Date(openTimeOf(t, '1m')).toISOString()).toBe('2026-11-21T13:47:00.000Z');
    expect(new Date(openTimeOf(t, '5m')).toISOString()).toBe('2026-11-21T13:45:00.000Z');
    expect(new Date(openTimeOf(t, '1h')).toISOString()).toBe('2026-11-21T13:00:00.000Z');
    expect(new Date(openTimeOf(t, '1d')).toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(isCandleInterval('5m')).toBe(true);
    expect(isCandleInterval('2m')).toBe(false);
  });
});

describe('withTrade and CandleSeries', () => {
  it('opens, extends and rolls candles from trades', () => {
    let c = withTrade(undefined, trade(1, '10', '1', DAY + 1_000), '1m');
    c = withTrade(c, trade(2, '12', '0.5', DAY + 20_000), '1m');
    c = withTrade(c, trade(3, '9', '0.25', DAY + 59_999), '1m');
    expect(candleView(c)).toEqual({
      symbol: 'BTC-USD',
      interval: '1m',
      openTime: '2016-10-07T00:00:00.000Z',
      closeTime: '2016-10-07T00:01:00.000Z',
      open: '10',
      high: '12',
      low: '9',
      close: '9',
      volume: '1.75',
    });
    expect(c.lastVersion).toBe(3);
    const next = withTrade(c, trade(4, '11', '1', DAY + 60_000), '1m');
    expect(ohlcv(next)).toMatchObject({ t: DAY + 60_000, open: '11', close: '11', volume: '1' });
  });

  it('keeps the recent candles, ignores redeliveries, and places a late-stamped trade in its own interval', () => {
    const series = new CandleSeries('BTC-USD', '1m', 3);
    expect(series.apply(trade(1, '10', '1', DAY))).toMatchObject({ openTimeMs: DAY });
    expect(series.apply(trade(1, '99', '1', DAY))).toBeUndefined();
    series.apply(trade(2, '11', '1', DAY + 3 * 60_000));
    // Stamped between the two candles: a candle of its own, in time order.
    series.apply(trade(3, '12', '1', DAY + 60_000));
    expect(series.recent().map((c) => c.openTimeMs)).toEqual([DAY, DAY + 60_000, DAY + 3 * 60_000]);
    series.apply(trade(4, '13', '1', DAY + 4 * 60_000));
    expect(series.recent().map((c) => c.openTimeMs)).toEqual([DAY + 60_000, DAY + 3 * 60_000, DAY + 4 * 60_000]);
    expect(series.recent(1)[0]).toMatchObject({ close: d('13'), lastVersion: 4 });
    expect(series.lastVersion).toBe(4);

    const restored = new CandleSeries('BTC-USD', '1m', 3);
    restored.restore([...series.recent()].reverse());
    expect(restored.recent()).toEqual(series.recent());
    expect(restored.apply(trade(4, '1', '1', DAY + 4 * 60_000))).toBeUndefined();
    expect(restored.apply(trade(5, '1', '1', DAY + 4 * 60_000))).toMatchObject({ low: d('1'), volume: d('2') });
  });

  it('equals a direct OHLCV computation per interval over any trades (property)', () => {
    const arb = fc.array(fc.record({ price: fc.integer({ min: 1, max: 1_000 }), qty: fc.integer({ min: 1, max: 100 }), gapMs: fc.integer({ min: 0, max: 400_000 }) }), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(arb, fc.constantFrom('1m' as const, '5m' as const, '1h' as const), (raw, interval) => {
        let t = DAY;
        const trades = raw.map((r, i) => trade(i + 1, String(r.price), String(r.qty), (t += r.gapMs)));
        const series = new CandleSeries('BTC-USD', interval, 10_000);
        for (const tr of trades) series.apply(tr);
        const groups = new Map<number, Trade[]>();
        for (const tr of trades) groups.set(openTimeOf(tr.timeMs, interval), [...(groups.get(openTimeOf(tr.timeMs, interval)) ?? []), tr]);
        const expected = [...groups].map(([openTimeMs, ts]) => ({
          openTimeMs,
          open: ts[0]!.price,
          close: ts.at(-1)!.price,
          high: ts.map((x) => x.price).reduce((a, b) => (b > a ? b : a)),
          low: ts.map((x) => x.price).reduce((a, b) => (b < a ? b : a)),
          volume: ts.reduce((s, x) => s + x.quantity, 0n),
        }));
        expect(series.recent().map(({ openTimeMs, open, close, high, low, volume }) => ({ openTimeMs, open, close, high, low, volume }))).toEqual(expected);
      }),
    );
  });
});

describe('aggregateBars', () => {
  const bar = (timeMs: number, o: number, h: number, l: number, c: number, v: number): Bar => ({ timeMs, open: BigInt(o), high: BigInt(h), low: BigInt(l), close: BigInt(c), volume: BigInt(v) });

  it('folds bars into candles: first open, last close, extremes, summed volume', () => {
    const bars = [bar(DAY, 5, 6, 4, 5, 1), bar(DAY + 1_000, 5, 9, 5, 8, 2), bar(DAY + 61_000, 8, 8, 1, 2, 3)];
    expect(aggregateBars('BTC-USD', bars, 1_000, '1m').map((c) => [c.openTimeMs, c.open, c.high, c.low, c.close, c.volume])).toEqual([
      [DAY, 5n, 9n, 4n, 8n, 3n],
      [DAY + 60_000, 8n, 8n, 1n, 2n, 3n],
    ]);
    expect(aggregateBars('BTC-USD', bars, 1_000, '5m')).toHaveLength(1);
  });

  it('refuses bars it cannot aggregate exactly', () => {
    expect(() => aggregateBars('BTC-USD', [bar(DAY + 500, 1, 1, 1, 1, 1)], 1_000, '1m')).toThrow('not aligned');
    expect(() => aggregateBars('BTC-USD', [], 7_000, '1m')).toThrow('do not aggregate');
    expect(() => aggregateBars('BTC-USD', [bar(DAY + 60_000, 1, 1, 1, 1, 1), bar(DAY, 1, 1, 1, 1, 1)], 1_000, '1m')).toThrow('time order');
  });

  it('aggregates in stages or at once alike (property: 1s -> 1m -> 5m -> 1h -> 1d equals 1s -> each)', () => {
    const arb = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 900 }), o: fc.integer({ min: 1, max: 50 }), spread: fc.integer({ min: 0, max: 20 }), c: fc.integer({ min: 0, max: 20 }), v: fc.integer({ min: 0, max: 9 }) }), { minLength: 1, maxLength: 120 });
    fc.assert(
      fc.property(arb, (raw) => {
        let t = DAY;
        const bars = raw.map((r) => {
          t += r.gap * 1_000;
          const low = r.o;
          const high = r.o + r.spread;
          return bar(t, r.o, high, low, Math.min(high, low + r.c), r.v);
        });
        const asBars = (cs: Candle[]): Bar[] => cs.map((c) => ({ timeMs: c.openTimeMs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }));
        const m1 = aggregateBars('BTC-USD', bars, 1_000, '1m');
        const m5 = aggregateBars('BTC-USD', asBars(m1), INTERVAL_MS['1m'], '5m');
        const h1 = aggregateBars('BTC-USD', asBars(m5), INTERVAL_MS['5m'], '1h');
        const d1 = aggregateBars('BTC-USD', asBars(h1), INTERVAL_MS['1h'], '1d');
        expect(m5).toEqual(aggregateBars('BTC-USD', bars, 1_000, '5m'));
        expect(h1).toEqual(aggregateBars('BTC-USD', bars, 1_000, '1h'));
        expect(d1).toEqual(aggregateBars('BTC-USD', bars, 1_000, '1d'));
      }),
    );
  });

  it('turns the real 1 s bars of 2016-10-07..09 into exactly the real 1 m bars of those days', async () => {
    const seconds = await readMarketDataFile(join(MARKET_DIR, 'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv'));
    const minutes = await readMarketDataFile(join(MARKET_DIR, 'coinbase_btcusd_1m_trades_2016-10-07_to_09.csv'));
    const candles = aggregateBars('BTC-USD', seconds.bars as TradeBar[], 1_000, '1m');
    expect(candles).toHaveLength(4216);
    expect(candles.map((c) => ({ timeMs: c.openTimeMs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }))).toEqual(minutes.bars);
  });
});

import fc from 'fast-check';
import { RecentTrades } from './recent-trades';
import type { Trade } from './trade';

const trade = (version: number): Trade => ({ version, tradeId: `t${version}`, symbol: 'BTC-USD', price: 1n, quantity: 1n, takerSide: 'BUY', timeMs: version });

describe('RecentTrades', () => {
  it('keeps the newest `capacity` trades, newest first', () => {
    const ring = new RecentTrades(3);
    expect(ring.list()).toEqual([]);
    expect(ring.newest()).toBeUndefined();
    for (const v of [1, 2, 3, 4, 5]) expect(ring.add(trade(v))).toBe(true);
    expect(ring.list().map((t) => t.version)).toEqual([5, 4, 3]);
    expect(ring.list(2).map((t) => t.version)).toEqual([5, 4]);
    expect(ring.size).toBe(3);
    expect(ring.newest()?.version).toBe(5);
  });

  it('ignores what is not newer than its newest (a redelivery)', () => {
    const ring = new RecentTrades(5);
    ring.add(trade(7));
    expect(ring.add(trade(7))).toBe(false);
    expect(ring.add(trade(3))).toBe(false);
    expect(ring.lastVersion).toBe(7);
    expect(ring.size).toBe(1);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentTrades(0)).toThrow(RangeError);
    expect(() => new RecentTrades(1.5)).toThrow(RangeError);
  });

  it('always equals the tail of everything accepted (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 100 }), fc.integer({ min: 0, max: 30 }), (capacity, versions, limit) => {
        const ring = new RecentTrades(capacity);
        const accepted: number[] = [];
        for (const v of versions) if (ring.add(trade(v))) accepted.push(v);
        expect(accepted).toEqual([...accepted].sort((a, b) => a - b));
        expect(ring.list(limit).map((t) => t.version)).toEqual(accepted.slice(-capacity).reverse().slice(0, limit));
      }),
    );
  });
});

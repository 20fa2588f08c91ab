import fc from 'fast-check';
import { formatDecimal, parseDecimal } from '../domain/decimal';
import { levelView, OrderBook } from './order-book';

const d = parseDecimal;

describe('OrderBook', () => {
  it('sets, replaces and removes levels; best first on each side', () => {
    const book = new OrderBook();
    book.setLevel('BUY', d('100'), d('1'), 1);
    book.setLevel('BUY', d('101.5'), d('2'), 2);
    book.setLevel('SELL', d('103'), d('0.5'), 1);
    book.setLevel('SELL', d('102'), d('0.25'), 1);
    book.setLevel('BUY', d('100'), d('3'), 4);
    expect(book.bestBid()).toEqual({ price: d('101.5'), quantity: d('2'), orderCount: 2 });
    expect(book.bestAsk()).toEqual({ price: d('102'), quantity: d('0.25'), orderCount: 1 });
    const { bids, asks } = book.levels();
    expect(bids.map(levelView)).toEqual([
      { price: '101.5', quantity: '2', orderCount: 2 },
      { price: '100', quantity: '3', orderCount: 4 },
    ]);
    expect(asks.map((l) => formatDecimal(l.price))).toEqual(['102', '103']);
    book.setLevel('SELL', d('102'), 0n, 0);
    expect(book.bestAsk()?.price).toBe(d('103'));
    expect(book.levels(1)).toEqual({ bids: [bids[0]], asks: [{ price: d('103'), quantity: d('0.5'), orderCount: 1 }] });
    expect(book.size).toEqual({ bids: 2, asks: 1 });
    expect(book.isCrossed()).toBe(false);
    book.setLevel('BUY', d('103'), d('1'), 1);
    expect(book.isCrossed()).toBe(true);
  });

  it('an empty side has no best level and is never crossed', () => {
    const book = OrderBook.from({ bids: [], asks: [{ price: d('1'), quantity: d('1'), orderCount: 1 }] });
    expect(book.bestBid()).toBeUndefined();
    expect(book.isCrossed()).toBe(false);
  });

  it('keeps the last write per price and sorts any set of levels (property)', () => {
    const level = fc.record({ buy: fc.boolean(), price: fc.integer({ min: 1, max: 50 }), quantity: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(fc.array(level, { maxLength: 200 }), (writes) => {
        const book = new OrderBook();
        const model = { BUY: new Map<number, number>(), SELL: new Map<number, number>() };
        for (const w of writes) {
          const side = w.buy ? 'BUY' : 'SELL';
          book.setLevel(side, BigInt(w.price), BigInt(w.quantity), w.quantity);
          if (w.quantity === 0) model[side].delete(w.price);
          else model[side].set(w.price, w.quantity);
        }
        const { bids, asks } = book.levels();
        expect(bids.map((l) => Number(l.price))).toEqual([...model.BUY.keys()].sort((a, b) => b - a));
        expect(asks.map((l) => Number(l.price))).toEqual([...model.SELL.keys()].sort((a, b) => a - b));
        expect(bids.every((l) => Number(l.quantity) === model.BUY.get(Number(l.price)))).toBe(true);
        expect(book.bestBid()).toEqual(bids[0]);
        expect(book.bestAsk()).toEqual(asks[0]);
      }),
    );
  });
});

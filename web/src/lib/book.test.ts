import { OrderBook, type BookSnapshot } from './book';

const snapshot = (over: Partial<BookSnapshot> = {}): BookSnapshot => ({
  type: 'snapshot',
  symbol: 'BTC-USD',
  sequence: 10,
  synced: true,
  bids: [
    { price: '611.86', quantity: '0.5', orderCount: 1 },
    { price: '611.9', quantity: '1', orderCount: 2 },
    { price: '611.5', quantity: '2', orderCount: 1 },
  ],
  asks: [
    { price: '612.1', quantity: '0.25', orderCount: 1 },
    { price: '611.95', quantity: '0.75', orderCount: 1 },
  ],
  ...over,
});

describe('OrderBook', () => {
  it('orders bids highest first and asks lowest first, comparing prices exactly', () => {
    const book = new OrderBook();
    book.apply(snapshot());
    expect(book.top('BUY', 10).map((l) => l.price)).toEqual(['611.9', '611.86', '611.5']);
    expect(book.top('SELL', 10).map((l) => l.price)).toEqual(['611.95', '612.1']);
    expect(book.bestBid()).toBe('611.9');
    expect(book.bestAsk()).toBe('611.95');
  });

  it('applies deltas: a new total replaces the level, "0" removes it, equal prices in other spellings are one level', () => {
    const book = new OrderBook();
    book.apply(snapshot());
    book.apply({ type: 'delta', symbol: 'BTC-USD', version: 11, side: 'BUY', price: '611.90', quantity: '3', orderCount: 3 });
    book.apply({ type: 'delta', symbol: 'BTC-USD', version: 12, side: 'SELL', price: '611.95', quantity: '0', orderCount: 0 });
    book.apply({ type: 'delta', symbol: 'BTC-USD', version: 13, side: 'BUY', price: '611.92', quantity: '0.1', orderCount: 1 });
    expect(book.top('BUY', 10)).toEqual([
      { price: '611.92', quantity: '0.1', orderCount: 1 },
      { price: '611.90', quantity: '3', orderCount: 3 },
      { price: '611.86', quantity: '0.5', orderCount: 1 },
      { price: '611.5', quantity: '2', orderCount: 1 },
    ]);
    expect(book.top('SELL', 10).map((l) => l.price)).toEqual(['612.1']);
    expect(book.version).toBe(13);
  });

  it('a snapshot replaces everything (a resync)', () => {
    const book = new OrderBook();
    book.apply(snapshot());
    book.apply(snapshot({ sequence: 50, synced: false, bids: [{ price: '600', quantity: '1', orderCount: 1 }], asks: [] }));
    expect(book.top('BUY', 10).map((l) => l.price)).toEqual(['600']);
    expect(book.top('SELL', 10)).toEqual([]);
    expect(book.view(15)).toMatchObject({ synced: false, spread: null, spreadPercent: null });
  });

  it('views the top N with running totals, depth shares of the deeper side and the spread', () => {
    const book = new OrderBook();
    book.apply(snapshot());
    const view = book.view(2);
    expect(view.bids.map((r) => [r.price, r.cumulative])).toEqual([
      ['611.9', '1'],
      ['611.86', '1.5'],
    ]);
    expect(view.bids[0]!.depth).toBeCloseTo(1 / 1.5, 3);
    expect(view.bids[1]!.depth).toBe(1);
    expect(view.asks.map((r) => [r.price, r.cumulative])).toEqual([
      ['611.95', '0.75'],
      ['612.1', '1'],
    ]);
    expect(view.asks[1]!.depth).toBeCloseTo(1 / 1.5, 3);
    expect(view.spread).toBe('0.05');
    // 0.05 / 611.95 = 0.00817...% truncated at 4 places
    expect(view.spreadPercent).toBe('0.0081');
  });

  it('keeps at most N levels a side however deep the book is', () => {
    const book = new OrderBook();
    const bids = Array.from({ length: 100 }, (_, i) => ({ price: String(500 + i), quantity: '1', orderCount: 1 }));
    book.apply(snapshot({ bids, asks: [] }));
    const view = book.view(15);
    expect(view.bids).toHaveLength(15);
    expect(view.bids[0]!.price).toBe('599');
    expect(view.bids[14]!.cumulative).toBe('15');
  });
});

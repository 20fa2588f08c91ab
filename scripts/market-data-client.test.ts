import fc from 'fast-check';
import { parseDecimal } from '../domain/decimal';
import { ChannelSequences, LocalBook, backoffMs } from './market-data-client';

describe('LocalBook', () => {
  it('keeps the best bid and ask from a snapshot and deltas, exactly', () => {
    const book = new LocalBook();
    expect(book.top()).toEqual({ bid: undefined, ask: undefined, spread: undefined });
    book.reset(
      [
        { price: '100.1', quantity: '1' },
        { price: '100.25', quantity: '2' },
      ],
      [{ price: '100.3', quantity: '0.5' }],
    );
    expect(book.top()).toEqual({ bid: { price: '100.25', quantity: '2' }, ask: { price: '100.3', quantity: '0.5' }, spread: '0.05' });
    book.apply('BUY', '100.25', '0');
    book.apply('SELL', '100.29', '3');
    expect(book.top()).toEqual({ bid: { price: '100.1', quantity: '1' }, ask: { price: '100.29', quantity: '3' }, spread: '0.19' });
    book.reset([], []);
    expect(book.top().bid).toBeUndefined();
  });

  it('treats prices by value, not spelling', () => {
    const book = new LocalBook();
    book.apply('BUY', '100.10', '1');
    book.apply('BUY', '100.1', '0');
    expect(book.top().bid).toBeUndefined();
  });

  it('agrees with a brute-force book after any sequence of deltas', () => {
    const price = fc.integer({ min: 1, max: 50 }).map((ticks) => (ticks / 4).toFixed(2));
    const delta = fc.record({ side: fc.constantFrom('BUY' as const, 'SELL' as const), price, quantity: fc.constantFrom('0', '1', '2.5') });
    fc.assert(
      fc.property(fc.array(delta, { maxLength: 60 }), (deltas) => {
        const book = new LocalBook();
        const model = { BUY: new Map<bigint, string>(), SELL: new Map<bigint, string>() };
        for (const d of deltas) {
          book.apply(d.side, d.price, d.quantity);
          if (d.quantity === '0') model[d.side].delete(parseDecimal(d.price));
          else model[d.side].set(parseDecimal(d.price), d.price);
        }
        const sorted = (side: 'BUY' | 'SELL') => [...model[side].keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const bestBid = sorted('BUY').at(-1);
        const bestAsk = sorted('SELL')[0];
        const top = book.top();
        expect(top.bid && parseDecimal(top.bid.price)).toBe(bestBid);
        expect(top.ask && parseDecimal(top.ask.price)).toBe(bestAsk);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ChannelSequences', () => {
  const snapshot = (channel: string, seq: number) => ({ type: 'snapshot' as const, channel, seq, data: null });
  const update = (channel: string, seq: number) => ({ type: 'update' as const, channel, seq, data: null });

  it('follows a snapshot with consecutive updates, per channel', () => {
    const s = new ChannelSequences();
    expect(s.onFrame(update('book:BTC-USD', 1))).toEqual({ kind: 'waiting' });
    expect(s.onFrame(snapshot('book:BTC-USD', 7))).toEqual({ kind: 'snapshot' });
    expect(s.onFrame(snapshot('trades:BTC-USD', 0))).toEqual({ kind: 'snapshot' });
    expect(s.onFrame(update('book:BTC-USD', 8))).toEqual({ kind: 'next' });
    expect(s.onFrame(update('trades:BTC-USD', 1))).toEqual({ kind: 'next' });
    expect(s.onFrame(update('book:BTC-USD', 9))).toEqual({ kind: 'next' });
  });

  it('reports a gap once, then waits for the resubscription snapshot', () => {
    const s = new ChannelSequences();
    s.onFrame(snapshot('book:BTC-USD', 3));
    expect(s.onFrame(update('book:BTC-USD', 5))).toEqual({ kind: 'gap', expected: 4, got: 5 });
    expect(s.onFrame(update('book:BTC-USD', 6))).toEqual({ kind: 'waiting' });
    expect(s.onFrame(snapshot('book:BTC-USD', 6))).toEqual({ kind: 'snapshot' });
    expect(s.onFrame(update('book:BTC-USD', 7))).toEqual({ kind: 'next' });
    // A repeat or an older sequence is a gap too: the stream is not what the snapshot promised.
    expect(s.onFrame(update('book:BTC-USD', 7))).toEqual({ kind: 'gap', expected: 8, got: 7 });
  });

  it('forgets everything on clear (a new connection)', () => {
    const s = new ChannelSequences();
    s.onFrame(snapshot('book:BTC-USD', 3));
    s.clear();
    expect(s.onFrame(update('book:BTC-USD', 4))).toEqual({ kind: 'waiting' });
  });
});

describe('backoffMs', () => {
  it('doubles from 0.5 s up to 10 s, with jitter in the upper half', () => {
    expect([0, 1, 2, 3, 4, 5, 20].map((attempt) => backoffMs(attempt, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffMs(0, () => 0)).toBe(250);
    expect(backoffMs(20, () => 0)).toBe(5000);
  });
});

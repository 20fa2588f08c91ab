import fc from 'fast-check';
import { MatchingEngine } from './matching-engine';
import type {
  BookLevel,
  BookSnapshot,
  CancelledEvent,
  EngineEvent,
  EngineOrder,
  SelfTradePrevention,
  Side,
  TimeInForce,
  TradeEvent,
} from './matching-engine';

const UNIT = 10n ** 18n;
/** Whole units at the engine's scale (prices in USD, quantities in BTC). */
const u = (n: number | bigint): bigint => BigInt(n) * UNIT;

function limit(
  orderId: string,
  accountId: string,
  side: Side,
  price: bigint,
  quantity: bigint,
  extra: Partial<EngineOrder> = {},
): EngineOrder {
  return { orderId, accountId, side, type: 'LIMIT', price, quantity, timeInForce: 'GTC', postOnly: false, ...extra };
}

function market(
  orderId: string,
  accountId: string,
  side: Side,
  quantity: bigint,
  timeInForce: TimeInForce = 'IOC',
): EngineOrder {
  return { orderId, accountId, side, type: 'MARKET', price: null, quantity, timeInForce, postOnly: false };
}

const types = (events: EngineEvent[]): string[] => events.map((e) => e.type);
const trades = (events: EngineEvent[]): TradeEvent[] => events.filter((e): e is TradeEvent => e.type === 'TRADE');

function only<T extends EngineEvent['type']>(events: EngineEvent[], type: T): Extract<EngineEvent, { type: T }> {
  const found = events.filter((e) => e.type === type);
  expect(found).toHaveLength(1);
  return found[0] as Extract<EngineEvent, { type: T }>;
}

describe('MatchingEngine', () => {
  describe('resting and crossing', () => {
    it('rests a GTC limit on an empty book and reports the level', () => {
      const engine = new MatchingEngine('BTC-USD');
      const events = engine.submit(limit('b1', 'A', 'BUY', u(100), u(2)));
      expect(events).toEqual([
        {
          type: 'ACCEPTED',
          sequence: 1,
          orderId: 'b1',
          accountId: 'A',
          side: 'BUY',
          orderType: 'LIMIT',
          price: u(100),
          quantity: u(2),
          timeInForce: 'GTC',
          postOnly: false,
        },
        { type: 'BOOK_DELTA', sequence: 2, side: 'BUY', price: u(100), quantity: u(2), orderCount: 1 },
      ]);
      expect(engine.getOrder('b1')).toMatchObject({
        status: 'OPEN',
        quantity: u(2),
        filledQuantity: 0n,
        remaining: u(2),
        cancelledQuantity: 0n,
        reason: null,
      });
      expect(engine.bestBid()).toEqual({ price: u(100), quantity: u(2), orderCount: 1 });
      expect(engine.bestAsk()).toBeUndefined();
      expect(engine.snapshot()).toEqual({
        bids: [{ price: u(100), quantity: u(2), orderCount: 1 }],
        asks: [],
        sequence: 2,
      });
    });

    it('trades at the maker price when a limit crosses', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(105), u(1)));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'BOOK_DELTA']);
      expect(only(events, 'TRADE')).toEqual({
        type: 'TRADE',
        sequence: 4,
        tradeId: 'BTC-USD-1',
        price: u(100),
        quantity: u(1),
        makerOrderId: 's1',
        makerAccountId: 'A',
        takerOrderId: 'b1',
        takerAccountId: 'B',
        takerSide: 'BUY',
        makerRemaining: 0n,
        takerRemaining: 0n,
      });
      expect(only(events, 'BOOK_DELTA')).toMatchObject({ side: 'SELL', price: u(100), quantity: 0n, orderCount: 0 });
      expect(engine.getOrder('s1')?.status).toBe('FILLED');
      expect(engine.getOrder('b1')?.status).toBe('FILLED');
      expect(engine.snapshot()).toEqual({ bids: [], asks: [], sequence: 5 });
    });

    it('does not cross a level beyond the limit and rests the remainder', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('s2', 'A', 'SELL', u(102), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(3)));
      expect(trades(events).map((t) => [t.makerOrderId, t.price, t.quantity])).toEqual([['s1', u(100), u(1)]]);
      expect(engine.getOrder('b1')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(1), remaining: u(2) });
      expect(engine.snapshot()).toMatchObject({
        bids: [{ price: u(101), quantity: u(2), orderCount: 1 }],
        asks: [{ price: u(102), quantity: u(1), orderCount: 1 }],
      });
    });

    it('crosses at an equal price', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(1)));
      const events = engine.submit(limit('s1', 'B', 'SELL', u(100), u(1)));
      expect(only(events, 'TRADE')).toMatchObject({ price: u(100), takerSide: 'SELL', makerOrderId: 'b1' });
    });

    it('takes better prices first, then older orders first at one price', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s-101', 'A', 'SELL', u(101), u(1)));
      engine.submit(limit('s-100-old', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('s-100-new', 'C', 'SELL', u(100), u(1)));
      engine.submit(limit('s-99', 'C', 'SELL', u(99), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(4)));
      expect(trades(events).map((t) => t.makerOrderId)).toEqual(['s-99', 's-100-old', 's-100-new', 's-101']);
      expect(trades(events).map((t) => t.price)).toEqual([u(99), u(100), u(100), u(101)]);
      expect(trades(events).map((t) => t.tradeId)).toEqual(['BTC-USD-1', 'BTC-USD-2', 'BTC-USD-3', 'BTC-USD-4']);
      expect(trades(events).map((t) => t.takerRemaining)).toEqual([u(3), u(2), u(1), 0n]);
    });

    it('emits one BOOK_DELTA per level touched, after that level’s trades', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('s2', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('s3', 'A', 'SELL', u(101), u(2)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(3)));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'TRADE', 'BOOK_DELTA', 'TRADE', 'BOOK_DELTA']);
      const deltas = events.filter((e) => e.type === 'BOOK_DELTA');
      expect(deltas).toMatchObject([
        { side: 'SELL', price: u(100), quantity: 0n, orderCount: 0 },
        { side: 'SELL', price: u(101), quantity: u(1), orderCount: 1 },
      ]);
      expect(engine.getOrder('s3')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(1), remaining: u(1) });
    });

    it('keeps quantities exact at the 10^18 scale', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', 50_000n * UNIT + 1n, 1n));
      engine.submit(limit('s2', 'A', 'SELL', 50_000n * UNIT + 1n, 123_456_789_012_345_678n));
      const events = engine.submit(limit('b1', 'B', 'BUY', 50_000n * UNIT + 1n, 100_000_000_000_000_000n));
      expect(trades(events).map((t) => t.quantity)).toEqual([1n, 99_999_999_999_999_999n]);
      expect(engine.bestAsk()).toEqual({ price: 50_000n * UNIT + 1n, quantity: 23_456_789_012_345_679n, orderCount: 1 });
    });

    it('numbers every event with one increasing sequence across calls', () => {
      const engine = new MatchingEngine('ETH-USD');
      const all = [
        ...engine.submit(limit('s1', 'A', 'SELL', u(10), u(1))),
        ...engine.cancel('nope'),
        ...engine.submit(limit('b1', 'B', 'BUY', u(10), u(2))),
        ...engine.cancel('b1'),
      ];
      expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => i + 1));
      expect(engine.lastSequence).toBe(all.length);
      expect(trades(all)[0]?.tradeId).toBe('ETH-USD-1');
    });
  });

  describe('time in force', () => {
    it('cancels the IOC remainder and never rests it', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(100), u(3), { timeInForce: 'IOC' }));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'BOOK_DELTA', 'CANCELLED']);
      expect(only(events, 'CANCELLED')).toMatchObject({ orderId: 'b1', remaining: u(2), reason: 'IOC_REMAINDER' });
      expect(engine.getOrder('b1')).toMatchObject({
        status: 'CANCELLED',
        filledQuantity: u(1),
        remaining: 0n,
        cancelledQuantity: u(2),
        reason: 'IOC_REMAINDER',
      });
      expect(engine.snapshot().bids).toEqual([]);
    });

    it('accepts then cancels an IOC that crosses nothing', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(101), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(100), u(1), { timeInForce: 'IOC' }));
      expect(types(events)).toEqual(['ACCEPTED', 'CANCELLED']);
      expect(only(events, 'CANCELLED').remaining).toBe(u(1));
    });

    it('rests GTD like GTC and expires it on request', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(2), { timeInForce: 'GTD' }));
      engine.submit(limit('s1', 'B', 'SELL', u(100), u(1)));
      const events = engine.expire('b1');
      expect(types(events)).toEqual(['EXPIRED', 'BOOK_DELTA']);
      expect(only(events, 'EXPIRED')).toMatchObject({ orderId: 'b1', accountId: 'A', remaining: u(1) });
      expect(only(events, 'BOOK_DELTA')).toMatchObject({ side: 'BUY', price: u(100), quantity: 0n, orderCount: 0 });
      expect(engine.getOrder('b1')).toMatchObject({
        status: 'EXPIRED',
        filledQuantity: u(1),
        remaining: 0n,
        cancelledQuantity: u(1),
      });
      expect(engine.expire('b1')).toMatchObject([
        { type: 'CANCEL_REJECTED', orderId: 'b1', request: 'EXPIRE', reason: 'ORDER_NOT_OPEN', status: 'EXPIRED' },
      ]);
    });

    describe('FOK', () => {
      it('fills completely across levels', () => {
        const engine = new MatchingEngine('BTC-USD');
        engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
        engine.submit(limit('s2', 'A', 'SELL', u(101), u(2)));
        const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(3), { timeInForce: 'FOK' }));
        expect(trades(events).map((t) => t.quantity)).toEqual([u(1), u(2)]);
        expect(engine.getOrder('b1')?.status).toBe('FILLED');
      });

      it('is rejected with nothing traded when the crossing quantity is short', () => {
        const engine = new MatchingEngine('BTC-USD');
        engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
        engine.submit(limit('s2', 'A', 'SELL', u(102), u(5)));
        const before = engine.snapshot();
        const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(2), { timeInForce: 'FOK' }));
        expect(events).toMatchObject([{ type: 'REJECTED', orderId: 'b1', reason: 'FOK_CANNOT_FILL' }]);
        expect(engine.snapshot()).toEqual({ ...before, sequence: before.sequence + 1 });
        expect(engine.getOrder('b1')).toMatchObject({
          status: 'REJECTED',
          reason: 'FOK_CANNOT_FILL',
          filledQuantity: 0n,
          remaining: 0n,
          cancelledQuantity: u(2),
        });
        expect(engine.getOrder('s1')?.status).toBe('OPEN');
      });

      it('works for MARKET orders too', () => {
        const engine = new MatchingEngine('BTC-USD');
        engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
        expect(engine.submit(market('m1', 'B', 'BUY', u(2), 'FOK'))).toMatchObject([
          { type: 'REJECTED', reason: 'FOK_CANNOT_FILL' },
        ]);
        expect(trades(engine.submit(market('m2', 'B', 'BUY', u(1), 'FOK')))).toHaveLength(1);
      });
    });
  });

  describe('MARKET', () => {
    it('sweeps levels until filled', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(1)));
      engine.submit(limit('b2', 'A', 'BUY', u(90), u(5)));
      const events = engine.submit(market('m1', 'B', 'SELL', u(3)));
      expect(trades(events).map((t) => [t.price, t.quantity])).toEqual([
        [u(100), u(1)],
        [u(90), u(2)],
      ]);
      expect(engine.getOrder('m1')?.status).toBe('FILLED');
      expect(engine.bestBid()).toEqual({ price: u(90), quantity: u(3), orderCount: 1 });
    });

    it('cancels what the book could not fill', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      const events = engine.submit(market('m1', 'B', 'BUY', u(3), 'GTC'));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'BOOK_DELTA', 'CANCELLED']);
      expect(only(events, 'CANCELLED')).toMatchObject({ remaining: u(2), reason: 'MARKET_REMAINDER' });
      expect(engine.getOrder('m1')).toMatchObject({ status: 'CANCELLED', filledQuantity: u(1), cancelledQuantity: u(2) });
    });

    it('stops at its protection price and cancels the rest MARKET_REMAINDER', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('s2', 'A', 'SELL', u(102), u(1)));
      engine.submit(limit('s3', 'A', 'SELL', u(103), u(1)));
      const events = engine.submit({ ...market('m1', 'B', 'BUY', u(3)), protectionPrice: u(102) });
      expect(trades(events).map((t) => [t.price, t.quantity])).toEqual([
        [u(100), u(1)],
        [u(102), u(1)],
      ]);
      expect(only(events, 'CANCELLED')).toMatchObject({ remaining: u(1), reason: 'MARKET_REMAINDER' });
      expect(engine.bestAsk()).toEqual({ price: u(103), quantity: u(1), orderCount: 1 });
    });

    it('is rejected NO_LIQUIDITY when nothing is within its protection price', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(95), u(1)));
      const events = engine.submit({ ...market('m1', 'B', 'SELL', u(1)), protectionPrice: u(96) });
      expect(events).toMatchObject([{ type: 'REJECTED', orderId: 'm1', reason: 'NO_LIQUIDITY' }]);
      expect(engine.bestBid()).toEqual({ price: u(95), quantity: u(1), orderCount: 1 });
    });

    it('is rejected NO_LIQUIDITY on an empty opposite side', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(1)));
      const events = engine.submit(market('m1', 'B', 'BUY', u(1)));
      expect(events).toMatchObject([{ type: 'REJECTED', orderId: 'm1', reason: 'NO_LIQUIDITY' }]);
      expect(engine.getOrder('m1')).toMatchObject({ status: 'REJECTED', reason: 'NO_LIQUIDITY' });
    });
  });

  describe('post-only', () => {
    it('rests when it would not cross', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(101), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(100), u(1), { postOnly: true }));
      expect(types(events)).toEqual(['ACCEPTED', 'BOOK_DELTA']);
      expect(engine.getOrder('b1')?.status).toBe('OPEN');
    });

    it('is rejected, without taking, when it would cross (equal price included)', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      const before = engine.snapshot();
      const events = engine.submit(limit('b1', 'B', 'BUY', u(100), u(1), { postOnly: true }));
      expect(events).toMatchObject([{ type: 'REJECTED', orderId: 'b1', reason: 'POST_ONLY_WOULD_TAKE' }]);
      expect(engine.snapshot()).toEqual({ ...before, sequence: before.sequence + 1 });
      expect(engine.getOrder('b1')).toMatchObject({ status: 'REJECTED', reason: 'POST_ONLY_WOULD_TAKE' });
    });

    it('is rejected when it would cross only its own account’s order', () => {
      const engine = new MatchingEngine('BTC-USD', { selfTradePrevention: 'CANCEL_MAKER' });
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      expect(engine.submit(limit('b1', 'A', 'BUY', u(100), u(1), { postOnly: true }))).toMatchObject([
        { type: 'REJECTED', reason: 'POST_ONLY_WOULD_TAKE' },
      ]);
      expect(engine.getOrder('s1')?.status).toBe('OPEN');
    });

    it('GTD post-only is allowed', () => {
      const engine = new MatchingEngine('BTC-USD');
      expect(types(engine.submit(limit('b1', 'A', 'BUY', u(1), u(1), { postOnly: true, timeInForce: 'GTD' })))).toEqual([
        'ACCEPTED',
        'BOOK_DELTA',
      ]);
    });
  });

  describe('self-trade prevention', () => {
    function bookWithOwnOrderInTheMiddle(policy?: SelfTradePrevention): MatchingEngine {
      const engine = new MatchingEngine('BTC-USD', policy === undefined ? {} : { selfTradePrevention: policy });
      engine.submit(limit('other-1', 'B', 'SELL', u(100), u(1)));
      engine.submit(limit('own', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('other-2', 'B', 'SELL', u(100), u(1)));
      return engine;
    }

    it('defaults to CANCEL_TAKER', () => {
      expect(new MatchingEngine('BTC-USD').selfTradePreventionPolicy).toBe('CANCEL_TAKER');
    });

    it('CANCEL_TAKER keeps earlier trades, cancels the taker remainder and leaves the maker', () => {
      const engine = bookWithOwnOrderInTheMiddle();
      const events = engine.submit(limit('t', 'A', 'BUY', u(100), u(3)));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'BOOK_DELTA', 'CANCELLED']);
      expect(only(events, 'TRADE').makerOrderId).toBe('other-1');
      expect(only(events, 'CANCELLED')).toMatchObject({ orderId: 't', remaining: u(2), reason: 'SELF_TRADE_PREVENTION' });
      expect(engine.getOrder('own')?.status).toBe('OPEN');
      expect(engine.getOrder('t')).toMatchObject({ status: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION' });
      expect(engine.snapshot().bids).toEqual([]);
      expect(engine.bestAsk()).toEqual({ price: u(100), quantity: u(2), orderCount: 2 });
    });

    it('CANCEL_TAKER with the own order at the head changes no level', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('own', 'A', 'SELL', u(100), u(1)));
      const events = engine.submit(limit('t', 'A', 'BUY', u(100), u(1), { timeInForce: 'GTD' }));
      expect(types(events)).toEqual(['ACCEPTED', 'CANCELLED']);
    });

    it('CANCEL_MAKER cancels the resting order and keeps matching', () => {
      const engine = bookWithOwnOrderInTheMiddle('CANCEL_MAKER');
      const events = engine.submit(limit('t', 'A', 'BUY', u(100), u(3)));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'CANCELLED', 'TRADE', 'BOOK_DELTA', 'BOOK_DELTA']);
      expect(trades(events).map((t) => t.makerOrderId)).toEqual(['other-1', 'other-2']);
      expect(only(events, 'CANCELLED')).toMatchObject({ orderId: 'own', remaining: u(1), reason: 'SELF_TRADE_PREVENTION' });
      expect(engine.getOrder('own')).toMatchObject({ status: 'CANCELLED', reason: 'SELF_TRADE_PREVENTION' });
      expect(engine.getOrder('t')).toMatchObject({ status: 'PARTIALLY_FILLED', remaining: u(1) });
      expect(engine.snapshot()).toMatchObject({ bids: [{ price: u(100), quantity: u(1) }], asks: [] });
    });

    it('CANCEL_BOTH cancels the resting order and the taker remainder', () => {
      const engine = bookWithOwnOrderInTheMiddle('CANCEL_BOTH');
      const events = engine.submit(limit('t', 'A', 'BUY', u(100), u(3)));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'CANCELLED', 'BOOK_DELTA', 'CANCELLED']);
      expect(events.filter((e) => e.type === 'CANCELLED')).toMatchObject([
        { orderId: 'own', remaining: u(1), reason: 'SELF_TRADE_PREVENTION' },
        { orderId: 't', remaining: u(2), reason: 'SELF_TRADE_PREVENTION' },
      ]);
      expect(engine.bestAsk()).toEqual({ price: u(100), quantity: u(1), orderCount: 1 });
    });

    it('FOK counts only the quantity it could reach under CANCEL_TAKER', () => {
      const engine = bookWithOwnOrderInTheMiddle('CANCEL_TAKER');
      expect(engine.submit(limit('t', 'A', 'BUY', u(100), u(2), { timeInForce: 'FOK' }))).toMatchObject([
        { type: 'REJECTED', reason: 'FOK_CANNOT_FILL' },
      ]);
      expect(engine.bestAsk()?.orderCount).toBe(3);
      expect(trades(engine.submit(limit('t2', 'A', 'BUY', u(100), u(1), { timeInForce: 'FOK' })))).toHaveLength(1);
    });

    it('FOK skips own orders under CANCEL_MAKER and cancels them only when it executes', () => {
      const engine = bookWithOwnOrderInTheMiddle('CANCEL_MAKER');
      expect(engine.submit(limit('t', 'A', 'BUY', u(100), u(3), { timeInForce: 'FOK' }))).toMatchObject([
        { type: 'REJECTED', reason: 'FOK_CANNOT_FILL' },
      ]);
      expect(engine.getOrder('own')?.status).toBe('OPEN');
      const events = engine.submit(limit('t2', 'A', 'BUY', u(100), u(2), { timeInForce: 'FOK' }));
      expect(trades(events).map((t) => t.makerOrderId)).toEqual(['other-1', 'other-2']);
      expect(engine.getOrder('own')?.status).toBe('CANCELLED');
    });

    it('MARKET facing only own orders is rejected NO_LIQUIDITY and cancels nothing', () => {
      for (const policy of ['CANCEL_TAKER', 'CANCEL_MAKER', 'CANCEL_BOTH'] as const) {
        const engine = new MatchingEngine('BTC-USD', { selfTradePrevention: policy });
        engine.submit(limit('own', 'A', 'SELL', u(100), u(1)));
        expect(engine.submit(market('m', 'A', 'BUY', u(1)))).toMatchObject([{ type: 'REJECTED', reason: 'NO_LIQUIDITY' }]);
        expect(engine.getOrder('own')?.status).toBe('OPEN');
      }
    });

    it('MARKET under CANCEL_MAKER reaches past own orders', () => {
      const engine = new MatchingEngine('BTC-USD', { selfTradePrevention: 'CANCEL_MAKER' });
      engine.submit(limit('own', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('other', 'B', 'SELL', u(105), u(1)));
      const events = engine.submit(market('m', 'A', 'BUY', u(1)));
      expect(types(events)).toEqual(['ACCEPTED', 'CANCELLED', 'BOOK_DELTA', 'TRADE', 'BOOK_DELTA']);
      expect(only(events, 'TRADE')).toMatchObject({ price: u(105), makerOrderId: 'other' });
    });
  });

  describe('validation and duplicates', () => {
    const invalid: Array<[string, Partial<EngineOrder>]> = [
      ['zero quantity', { quantity: 0n }],
      ['negative quantity', { quantity: -1n }],
      ['zero LIMIT price', { price: 0n }],
      ['negative LIMIT price', { price: -5n }],
      ['LIMIT without price', { price: null }],
      ['MARKET with a price', { type: 'MARKET', price: u(100) }],
      ['post-only MARKET', { type: 'MARKET', price: null, postOnly: true }],
      ['LIMIT with a protection price', { protectionPrice: u(100) }],
      ['MARKET with a zero protection price', { type: 'MARKET', price: null, protectionPrice: 0n }],
      ['post-only IOC', { postOnly: true, timeInForce: 'IOC' }],
      ['post-only FOK', { postOnly: true, timeInForce: 'FOK' }],
      ['unknown side', { side: 'HOLD' as Side }],
      ['unknown type', { type: 'STOP' as EngineOrder['type'] }],
      ['unknown time in force', { timeInForce: 'DAY' as TimeInForce }],
      ['empty account', { accountId: '' }],
      ['float quantity', { quantity: 1.5 as unknown as bigint }],
      ['float price', { price: 100.5 as unknown as bigint }],
    ];

    it.each(invalid)('rejects %s as INVALID_ORDER without remembering it', (_name, change) => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      const before = engine.snapshot();
      const events = engine.submit(limit('x', 'B', 'BUY', u(100), u(1), change));
      expect(events).toMatchObject([{ type: 'REJECTED', orderId: 'x', reason: 'INVALID_ORDER' }]);
      expect(engine.getOrder('x')).toBeUndefined();
      expect(engine.snapshot()).toEqual({ ...before, sequence: before.sequence + 1 });
    });

    it('rejects an empty orderId', () => {
      const engine = new MatchingEngine('BTC-USD');
      expect(engine.submit(limit('', 'A', 'BUY', u(1), u(1)))).toMatchObject([{ type: 'REJECTED', reason: 'INVALID_ORDER' }]);
    });

    it('accepts a MARKET order whose price is absent', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      const order = { ...market('m', 'B', 'BUY', u(1)), price: undefined } as unknown as EngineOrder;
      expect(trades(engine.submit(order))).toHaveLength(1);
      expect(engine.getOrder('m')?.price).toBeNull();
    });

    it('answers a duplicate orderId with DUPLICATE_ORDER_ID and changes nothing', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(1)));
      const before = { snapshot: engine.snapshot(), order: engine.getOrder('b1') };
      const events = engine.submit(limit('b1', 'A', 'SELL', u(90), u(7)));
      expect(events).toMatchObject([{ type: 'REJECTED', orderId: 'b1', reason: 'DUPLICATE_ORDER_ID' }]);
      expect(engine.getOrder('b1')).toEqual(before.order);
      expect(engine.snapshot()).toEqual({ ...before.snapshot, sequence: before.snapshot.sequence + 1 });
    });

    it('remembers finished and rejected orders as duplicates too', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(market('m1', 'A', 'BUY', u(1)));
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(1)));
      engine.cancel('b1');
      for (const id of ['m1', 'b1']) {
        expect(engine.submit(limit(id, 'A', 'BUY', u(100), u(1)))).toMatchObject([{ reason: 'DUPLICATE_ORDER_ID' }]);
      }
      expect(engine.getOrder('m1')?.status).toBe('REJECTED');
      expect(engine.getOrder('b1')?.status).toBe('CANCELLED');
    });
  });

  describe('cancel', () => {
    it('removes a resting order and reports the level', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(1)));
      engine.submit(limit('b2', 'A', 'BUY', u(100), u(2)));
      const events = engine.cancel('b1');
      expect(types(events)).toEqual(['CANCELLED', 'BOOK_DELTA']);
      expect(only(events, 'CANCELLED')).toMatchObject({ orderId: 'b1', accountId: 'A', remaining: u(1), reason: 'USER' });
      expect(only(events, 'BOOK_DELTA')).toMatchObject({ side: 'BUY', price: u(100), quantity: u(2), orderCount: 1 });
      expect(engine.getOrder('b1')).toMatchObject({ status: 'CANCELLED', reason: 'USER', cancelledQuantity: u(1) });
    });

    it('removes a level that is not the best', () => {
      const engine = new MatchingEngine('BTC-USD');
      for (const [id, p] of [['a', 101], ['b', 103], ['c', 102]] as const) engine.submit(limit(id, 'A', 'SELL', u(p), u(1)));
      engine.cancel('c');
      expect(engine.snapshot().asks.map((l) => l.price)).toEqual([u(101), u(103)]);
    });

    it('keeps the filled part of a partially filled order', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(3)));
      engine.submit(limit('b1', 'B', 'BUY', u(100), u(1)));
      expect(only(engine.cancel('s1'), 'CANCELLED').remaining).toBe(u(2));
      expect(engine.getOrder('s1')).toMatchObject({
        status: 'CANCELLED',
        filledQuantity: u(1),
        remaining: 0n,
        cancelledQuantity: u(2),
      });
    });

    it('answers unknown and final orders with CANCEL_REJECTED', () => {
      const engine = new MatchingEngine('BTC-USD');
      expect(engine.cancel('nope')).toMatchObject([
        { type: 'CANCEL_REJECTED', orderId: 'nope', request: 'CANCEL', reason: 'UNKNOWN_ORDER', status: null },
      ]);
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('b1', 'B', 'BUY', u(100), u(1)));
      expect(engine.cancel('s1')).toMatchObject([{ type: 'CANCEL_REJECTED', reason: 'ORDER_NOT_OPEN', status: 'FILLED' }]);
      expect(engine.cancel('b1')).toMatchObject([{ reason: 'ORDER_NOT_OPEN', status: 'FILLED' }]);
      expect(engine.expire('nope')).toMatchObject([{ request: 'EXPIRE', reason: 'UNKNOWN_ORDER' }]);
    });
  });

  describe('snapshot', () => {
    it('lists best first on both sides and honours depth', () => {
      const engine = new MatchingEngine('BTC-USD');
      for (const p of [97, 99, 98]) engine.submit(limit(`b${p}`, 'A', 'BUY', u(p), u(1)));
      for (const p of [103, 101, 102]) engine.submit(limit(`s${p}`, 'A', 'SELL', u(p), u(1)));
      engine.submit(limit('b99-2', 'B', 'BUY', u(99), u(2)));
      const snap = engine.snapshot();
      expect(snap.bids.map((l) => l.price)).toEqual([u(99), u(98), u(97)]);
      expect(snap.asks.map((l) => l.price)).toEqual([u(101), u(102), u(103)]);
      expect(snap.bids[0]).toEqual({ price: u(99), quantity: u(3), orderCount: 2 });
      const top = engine.snapshot(2);
      expect(top.bids.map((l) => l.price)).toEqual([u(99), u(98)]);
      expect(top.asks.map((l) => l.price)).toEqual([u(101), u(102)]);
      expect(engine.snapshot(0)).toEqual({ bids: [], asks: [], sequence: snap.sequence });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Property tests: random sequences on a small price grid with a few accounts, so there is lots of crossing.
// Checks use plain throws instead of expect(): they run for every order after every operation.

type Op =
  | { kind: 'submit'; order: EngineOrder; reuseId: number | null }
  | { kind: 'cancel' | 'expire'; target: number; recent: boolean };

const accountArb = fc.constantFrom('A', 'B', 'C');
const sideArb = fc.constantFrom<Side>('BUY', 'SELL');
// Quantities in tenths of a unit: nothing may assume whole units.
const quantityArb = fc.integer({ min: 1, max: 5 }).map((n) => BigInt(n) * 10n ** 17n);
const priceArb = fc.integer({ min: 97, max: 103 }).map((n) => u(n));

const orderArb: fc.Arbitrary<EngineOrder> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      orderId: fc.constant(''),
      accountId: accountArb,
      side: sideArb,
      type: fc.constant('LIMIT' as const),
      price: priceArb,
      quantity: quantityArb,
      timeInForce: fc.constantFrom<TimeInForce>('GTC', 'GTC', 'GTD', 'IOC', 'FOK'),
      // Post-only with IOC/FOK is generated on purpose: it must be INVALID_ORDER.
      postOnly: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      orderId: fc.constant(''),
      accountId: accountArb,
      side: sideArb,
      type: fc.constant('MARKET' as const),
      price: fc.constant(null),
      quantity: quantityArb,
      timeInForce: fc.constantFrom<TimeInForce>('IOC', 'GTC', 'FOK'),
      postOnly: fc.constant(false),
      protectionPrice: fc.option(priceArb, { nil: null }),
    }),
  },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      order: orderArb,
      // Now and then an orderId that was already used.
      reuseId: fc.oneof({ weight: 19, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('cancel' as const, 'cancel' as const, 'expire' as const),
      target: fc.nat(),
      // Mostly recent orders, which are more likely to still rest.
      recent: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  },
);

interface Scenario {
  policy: SelfTradePrevention;
  ops: Op[];
  /** Operation index at which a replica starts from a snapshot. */
  replayFrom: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  policy: fc.constantFrom<SelfTradePrevention>('CANCEL_TAKER', 'CANCEL_MAKER', 'CANCEL_BOTH'),
  ops: fc.array(opArb, { minLength: 1, maxLength: 200, size: 'large' }),
  replayFrom: fc.nat(),
});

interface Resting {
  order: EngineOrder;
  arrival: number;
  remaining: bigint;
}

function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new Error(message());
}

const show = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/** Better for a taker on `takerSide`: a lower ask for a buyer, a higher bid for a seller. */
const betterForTaker = (takerSide: Side, a: bigint, b: bigint): boolean => (takerSide === 'BUY' ? a < b : a > b);

const crossesFor = (taker: EngineOrder, restingPrice: bigint): boolean => {
  // A MARKET order's worst price is its protection price, when it has one.
  const worst = taker.type === 'MARKET' ? (taker.protectionPrice ?? null) : taker.price;
  return worst === null || (taker.side === 'BUY' ? restingPrice <= worst : restingPrice >= worst);
};

/** Quantity a taker could really take, from a plain list of resting orders: an independent reading of the rules. */
function naiveFillable(taker: EngineOrder, resting: Resting[], policy: SelfTradePrevention): bigint {
  const queue = resting
    .filter((r) => r.order.side !== taker.side && crossesFor(taker, r.order.price as bigint))
    .sort((x, y) => {
      const px = x.order.price as bigint;
      const py = y.order.price as bigint;
      if (px !== py) return betterForTaker(taker.side, px, py) ? -1 : 1;
      return x.arrival - y.arrival;
    });
  let sum = 0n;
  for (const r of queue) {
    if (r.order.accountId === taker.accountId) {
      if (policy === 'CANCEL_MAKER') continue;
      break;
    }
    sum += r.remaining;
  }
  return sum;
}

type L2 = Pick<BookSnapshot, 'bids' | 'asks'>;

function l2FromLevels(levels: Map<string, BookLevel & { side: Side }>): L2 {
  const all = [...levels.values()];
  const strip = ({ price, quantity, orderCount }: BookLevel): BookLevel => ({ price, quantity, orderCount });
  return {
    bids: all.filter((l) => l.side === 'BUY').sort((a, b) => (a.price > b.price ? -1 : 1)).map(strip),
    asks: all.filter((l) => l.side === 'SELL').sort((a, b) => (a.price < b.price ? -1 : 1)).map(strip),
  };
}

/** A market-data consumer: starts from a snapshot and applies BOOK_DELTA events after its sequence. */
class L2Replica {
  private readonly levels = new Map<string, BookLevel & { side: Side }>();
  private readonly from: number;

  constructor(snapshot: BookSnapshot) {
    for (const l of snapshot.bids) this.levels.set(`BUY:${l.price}`, { ...l, side: 'BUY' });
    for (const l of snapshot.asks) this.levels.set(`SELL:${l.price}`, { ...l, side: 'SELL' });
    this.from = snapshot.sequence;
  }

  apply(events: EngineEvent[]): void {
    for (const e of events) {
      if (e.type !== 'BOOK_DELTA' || e.sequence <= this.from) continue;
      const key = `${e.side}:${e.price}`;
      invariant((e.quantity === 0n) === (e.orderCount === 0), () => `inconsistent delta ${show(e)}`);
      if (e.quantity === 0n) this.levels.delete(key);
      else this.levels.set(key, { side: e.side, price: e.price, quantity: e.quantity, orderCount: e.orderCount });
    }
  }

  book(): L2 {
    return l2FromLevels(this.levels);
  }
}

function runScenario({ policy, ops, replayFrom }: Scenario): void {
  const engine = new MatchingEngine('BTC-USD', { selfTradePrevention: policy });
  const known = new Map<string, { order: EngineOrder; arrival: number; traded: bigint }>();
  const ids: string[] = [];
  let nextId = 0;
  let lastSequence = 0;
  let tradedTotal = 0n;
  let replica: L2Replica | null = null;

  ops.forEach((op, opIndex) => {
    if (opIndex === replayFrom % ops.length) replica = new L2Replica(engine.snapshot());
    const restingBefore: Resting[] = [];
    for (const k of known.values()) {
      const s = engine.getOrder(k.order.orderId);
      if (s !== undefined && s.remaining > 0n) {
        restingBefore.push({ order: k.order, arrival: k.arrival, remaining: s.remaining });
      }
    }
    const before = show({ ...engine.snapshot(), sequence: 0 });

    let events: EngineEvent[];
    let submitted: EngineOrder | null = null;
    let duplicate = false;
    if (op.kind === 'submit') {
      const reused = op.reuseId === null ? undefined : ids[op.reuseId % ids.length];
      duplicate = reused !== undefined;
      submitted = { ...op.order, orderId: reused ?? `o${nextId++}` };
      events = engine.submit(submitted);
    } else {
      const window = op.recent ? Math.min(ids.length, 6) : ids.length;
      const target = ids[ids.length - 1 - (op.target % Math.max(window, 1))] ?? 'unknown';
      events = op.kind === 'cancel' ? engine.cancel(target) : engine.expire(target);
    }
    const where = (): string => `op ${opIndex} ${show(op)} -> ${show(events)}`;

    // One increasing sequence across calls.
    for (const e of events) invariant(e.sequence === ++lastSequence, () => `sequence gap: ${where()}`);

    // A rejection is the only event and changes nothing on the book.
    if (events.some((e) => e.type === 'REJECTED' || e.type === 'CANCEL_REJECTED')) {
      invariant(events.length === 1, () => `rejection with other events: ${where()}`);
      invariant(show({ ...engine.snapshot(), sequence: 0 }) === before, () => `rejection changed the book: ${where()}`);
    }

    if (submitted !== null) {
      const first = events[0];
      if (duplicate) {
        const isDuplicate = first?.type === 'REJECTED' && first.reason === 'DUPLICATE_ORDER_ID';
        invariant(isDuplicate, () => `duplicate accepted: ${where()}`);
      } else if (first?.type === 'REJECTED' && first.reason === 'INVALID_ORDER') {
        const postOnlyWithoutRest = submitted.postOnly && submitted.timeInForce !== 'GTC' && submitted.timeInForce !== 'GTD';
        invariant(postOnlyWithoutRest, () => `valid order rejected: ${where()}`);
        invariant(engine.getOrder(submitted.orderId) === undefined, () => `invalid order remembered: ${where()}`);
      } else {
        known.set(submitted.orderId, { order: submitted, arrival: opIndex, traded: 0n });
        ids.push(submitted.orderId);
        checkSubmitOutcome(submitted, events, restingBefore, policy, where);
      }
    }

    // Trades: never between one account, never a post-only taker, at the maker's price, within the taker's limit,
    // and price-time priority: nothing ahead of the maker (a better price, or the same price and older) still open.
    const finishedInOp = new Set<string>();
    for (const e of events) {
      if (e.type === 'CANCELLED' || e.type === 'EXPIRED') finishedInOp.add(e.orderId);
      if (e.type !== 'TRADE') continue;
      const maker = known.get(e.makerOrderId);
      const taker = known.get(e.takerOrderId);
      invariant(maker !== undefined && taker !== undefined, () => `trade with unknown orders: ${where()}`);
      invariant(e.makerAccountId !== e.takerAccountId, () => `self trade: ${where()}`);
      invariant(!taker.order.postOnly, () => `post-only took liquidity: ${where()}`);
      invariant(e.takerSide === taker.order.side && maker.order.side !== taker.order.side, () => `sides: ${where()}`);
      invariant(e.price === maker.order.price, () => `not at the maker price: ${where()}`);
      invariant(crossesFor(taker.order, e.price), () => `through the taker limit: ${where()}`);
      invariant(e.quantity > 0n, () => `empty trade: ${where()}`);
      for (const r of restingBefore) {
        if (r.order.side === e.takerSide || finishedInOp.has(r.order.orderId)) continue;
        const rp = r.order.price as bigint;
        const ahead = betterForTaker(e.takerSide, rp, e.price) || (rp === e.price && r.arrival < maker.arrival);
        invariant(!ahead, () => `${r.order.orderId} was ahead of ${e.makerOrderId}: ${where()}`);
      }
      if (e.makerRemaining === 0n) finishedInOp.add(e.makerOrderId);
      maker.traded += e.quantity;
      taker.traded += e.quantity;
      tradedTotal += e.quantity;
    }

    // The book is never crossed.
    const bid = engine.bestBid();
    const ask = engine.bestAsk();
    invariant(bid === undefined || ask === undefined || bid.price < ask.price, () => `crossed book: ${where()}`);

    // Quantity is conserved for every order; fills agree with the trades; buys and sells fill the same total.
    let filledBuy = 0n;
    let filledSell = 0n;
    const levels = new Map<string, BookLevel & { side: Side }>();
    for (const k of known.values()) {
      const s = engine.getOrder(k.order.orderId);
      invariant(s !== undefined, () => `lost order ${k.order.orderId}`);
      invariant(s.filledQuantity + s.remaining + s.cancelledQuantity === k.order.quantity, () => `not conserved ${show(s)}`);
      invariant(s.filledQuantity === k.traded, () => `fills disagree with trades ${show(s)}`);
      const resting = s.status === 'OPEN' || s.status === 'PARTIALLY_FILLED';
      invariant(resting === s.remaining > 0n, () => `status/remaining mismatch ${show(s)}`);
      invariant(s.status !== 'FILLED' || s.filledQuantity === s.quantity, () => `short FILLED ${show(s)}`);
      if (s.side === 'BUY') filledBuy += s.filledQuantity;
      else filledSell += s.filledQuantity;
      if (resting) {
        const key = `${s.side}:${s.price}`;
        const level = levels.get(key) ?? { side: s.side, price: s.price as bigint, quantity: 0n, orderCount: 0 };
        levels.set(key, { ...level, quantity: level.quantity + s.remaining, orderCount: level.orderCount + 1 });
      }
    }
    invariant(filledBuy === tradedTotal && filledSell === tradedTotal, () => `buy/sell fills differ: ${where()}`);

    // The aggregated book is exactly the resting orders; snapshot + BOOK_DELTAs rebuild it exactly.
    const snap = engine.snapshot();
    const book = show({ bids: snap.bids, asks: snap.asks });
    invariant(show(l2FromLevels(levels)) === book, () => `book ${book} is not the resting orders: ${where()}`);
    const current: L2Replica | null = replica;
    if (current !== null) {
      current.apply(events);
      invariant(show(current.book()) === book, () => `replica ${show(current.book())} != ${book}: ${where()}`);
    }
  });
}

function checkSubmitOutcome(
  order: EngineOrder,
  events: EngineEvent[],
  restingBefore: Resting[],
  policy: SelfTradePrevention,
  where: () => string,
): void {
  const first = events[0];
  const traded = trades(events).reduce((sum, t) => sum + t.quantity, 0n);
  const reject = first?.type === 'REJECTED' ? first.reason : null;

  if (order.postOnly) {
    // Rejected exactly when it would cross (own orders included), and never takes.
    const wouldCross = restingBefore.some((r) => r.order.side !== order.side && crossesFor(order, r.order.price as bigint));
    invariant((reject === 'POST_ONLY_WOULD_TAKE') === wouldCross, () => `post-only check: ${where()}`);
    invariant(traded === 0n, () => `post-only traded: ${where()}`);
  } else if (order.timeInForce === 'FOK') {
    // All or nothing, rejected exactly when the reachable quantity is short.
    const fillable = naiveFillable(order, restingBefore, policy);
    if (fillable >= order.quantity) invariant(traded === order.quantity, () => `FOK not filled: ${where()}`);
    else invariant(reject === 'FOK_CANNOT_FILL' && traded === 0n, () => `FOK should be rejected: ${where()}`);
  } else if (order.type === 'MARKET') {
    const fillable = naiveFillable(order, restingBefore, policy);
    if (fillable === 0n) invariant(reject === 'NO_LIQUIDITY', () => `MARKET should be NO_LIQUIDITY: ${where()}`);
    else invariant(traded > 0n, () => `MARKET traded nothing: ${where()}`);
  }

  if (first?.type === 'ACCEPTED') {
    // What is left of an accepted order rests (GTC/GTD LIMIT) or is cancelled, with an expected reason.
    const cancelled = events.find((e): e is CancelledEvent => e.type === 'CANCELLED' && e.orderId === order.orderId);
    const rests = order.type === 'LIMIT' && (order.timeInForce === 'GTC' || order.timeInForce === 'GTD');
    if (traded === order.quantity) invariant(cancelled === undefined, () => `filled and cancelled: ${where()}`);
    else if (cancelled === undefined) invariant(rests, () => `remainder neither rests nor is cancelled: ${where()}`);
    if (cancelled !== undefined) {
      invariant(cancelled.remaining === order.quantity - traded, () => `cancelled quantity: ${where()}`);
      const expected = order.type === 'MARKET' ? 'MARKET_REMAINDER' : rests ? null : 'IOC_REMAINDER';
      const reasonOk = cancelled.reason === 'SELF_TRADE_PREVENTION' || cancelled.reason === expected;
      invariant(reasonOk, () => `cancel reason: ${where()}`);
    }
    // Self-trade prevention cancels exactly what the policy says.
    const makersCancelled = events.filter(
      (e): e is CancelledEvent => e.type === 'CANCELLED' && e.reason === 'SELF_TRADE_PREVENTION' && e.orderId !== order.orderId,
    );
    const sameAccount = makersCancelled.every((e) => e.accountId === order.accountId);
    invariant(sameAccount, () => `STP cancelled another account: ${where()}`);
    const takerStopped = cancelled?.reason === 'SELF_TRADE_PREVENTION';
    if (policy === 'CANCEL_TAKER') {
      invariant(makersCancelled.length === 0, () => `CANCEL_TAKER cancelled a maker: ${where()}`);
    }
    if (policy === 'CANCEL_MAKER') invariant(!takerStopped, () => `CANCEL_MAKER cancelled the taker: ${where()}`);
    if (policy === 'CANCEL_BOTH') {
      invariant(makersCancelled.length === (takerStopped ? 1 : 0), () => `CANCEL_BOTH cancels one pair: ${where()}`);
    }
  }
}

describe('MatchingEngine properties', () => {
  it('keeps every invariant over random sequences of submits, cancels and expires', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        runScenario(scenario);
      }),
      { numRuns: 500 },
    );
  });
});

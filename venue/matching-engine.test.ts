import fc from 'fast-check';
import { MatchingEngine } from './matching-engine';
import type {
  BookLevel,
  BookSnapshot,
  CancelledEvent,
  EngineEvent,
  EngineOrder,
  OrderState,
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

/**
 * Ends one order each way one can end outside a rejection, with an empty book after: a filled maker and a filled taker
 * (`maker`, `taker`), a cancelled one, an expired GTD, an IOC whose remainder is cancelled.
 */
function endOneOfEachWay(engine: MatchingEngine, [maker, taker, cancelled, expired, ioc]: string[]): void {
  engine.submit(limit(maker!, 'A', 'SELL', u(100), u(1)));
  engine.submit(limit(taker!, 'B', 'BUY', u(100), u(1)));
  engine.submit(limit(cancelled!, 'B', 'BUY', u(90), u(1)));
  engine.cancel(cancelled!);
  engine.submit(limit(expired!, 'B', 'BUY', u(90), u(1), { timeInForce: 'GTD' }));
  engine.expire(expired!);
  engine.submit(limit(ioc!, 'B', 'BUY', u(90), u(1), { timeInForce: 'IOC' }));
  expect(engine.restingCount).toBe(0);
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
      expect(engine.getOrder('b1')).toStrictEqual({
        orderId: 'b1',
        accountId: 'A',
        side: 'BUY',
        type: 'LIMIT',
        price: u(100),
        timeInForce: 'GTC',
        postOnly: false,
        status: 'OPEN',
        quantity: u(2),
        filledQuantity: 0n,
        remaining: u(2),
      });
      expect(engine.restingCount).toBe(1);
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
      // Both filled (makerRemaining and takerRemaining 0 above): the engine no longer holds either.
      expect(engine.getOrder('s1')).toBeUndefined();
      expect(engine.getOrder('b1')).toBeUndefined();
      expect(engine.restingCount).toBe(0);
      expect(engine.snapshot()).toEqual({ bids: [], asks: [], sequence: 5 });
    });

    it('does not cross a level beyond the limit and rests the remainder', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      engine.submit(limit('s2', 'A', 'SELL', u(102), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(3)));
      expect(trades(events).map((t) => [t.makerOrderId, t.price, t.quantity])).toEqual([['s1', u(100), u(1)]]);
      expect(engine.getOrder('s1')).toBeUndefined();
      expect(engine.getOrder('b1')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(1), remaining: u(2) });
      expect(engine.getOrder('s2')).toMatchObject({ status: 'OPEN', filledQuantity: 0n, remaining: u(1) });
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
      expect(trades(events).map((t) => t.makerRemaining)).toEqual([0n, 0n, 0n, 0n]);
      for (const id of ['s-99', 's-100-old', 's-100-new', 's-101', 'b1']) expect(engine.getOrder(id)).toBeUndefined();
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
      expect(only(events, 'TRADE')).toMatchObject({ takerOrderId: 'b1', quantity: u(1), takerRemaining: u(2) });
      expect(only(events, 'CANCELLED')).toEqual({
        type: 'CANCELLED',
        sequence: engine.lastSequence,
        orderId: 'b1',
        accountId: 'B',
        remaining: u(2),
        reason: 'IOC_REMAINDER',
      });
      expect(engine.getOrder('b1')).toBeUndefined();
      expect(engine.restingCount).toBe(0);
      expect(engine.snapshot().bids).toEqual([]);
    });

    it('accepts then cancels an IOC that crosses nothing', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(101), u(1)));
      const events = engine.submit(limit('b1', 'B', 'BUY', u(100), u(1), { timeInForce: 'IOC' }));
      expect(types(events)).toEqual(['ACCEPTED', 'CANCELLED']);
      expect(only(events, 'CANCELLED')).toMatchObject({ orderId: 'b1', remaining: u(1), reason: 'IOC_REMAINDER' });
      expect(engine.getOrder('b1')).toBeUndefined();
      expect(engine.restingCount).toBe(1);
    });

    it('rests GTD like GTC and expires it on request', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(2), { timeInForce: 'GTD' }));
      expect(only(engine.submit(limit('s1', 'B', 'SELL', u(100), u(1))), 'TRADE')).toMatchObject({
        makerOrderId: 'b1',
        makerRemaining: u(1),
        takerRemaining: 0n,
      });
      expect(engine.getOrder('b1')).toMatchObject({
        status: 'PARTIALLY_FILLED',
        timeInForce: 'GTD',
        filledQuantity: u(1),
        remaining: u(1),
      });
      const events = engine.expire('b1');
      expect(types(events)).toEqual(['EXPIRED', 'BOOK_DELTA']);
      expect(only(events, 'EXPIRED')).toEqual({
        type: 'EXPIRED',
        sequence: engine.lastSequence - 1,
        orderId: 'b1',
        accountId: 'A',
        remaining: u(1),
      });
      expect(only(events, 'BOOK_DELTA')).toMatchObject({ side: 'BUY', price: u(100), quantity: 0n, orderCount: 0 });
      expect(engine.getOrder('b1')).toBeUndefined();
      expect(engine.restingCount).toBe(0);
      expect(engine.expire('b1')).toStrictEqual([
        { type: 'CANCEL_REJECTED', sequence: engine.lastSequence, orderId: 'b1', request: 'EXPIRE', reason: 'UNKNOWN_ORDER' },
      ]);
    });

    describe('FOK', () => {
      it('fills completely across levels', () => {
        const engine = new MatchingEngine('BTC-USD');
        engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
        engine.submit(limit('s2', 'A', 'SELL', u(101), u(2)));
        const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(3), { timeInForce: 'FOK' }));
        expect(trades(events).map((t) => t.quantity)).toEqual([u(1), u(2)]);
        expect(trades(events).map((t) => [t.makerRemaining, t.takerRemaining])).toEqual([
          [0n, u(2)],
          [0n, 0n],
        ]);
        expect(events.some((e) => e.type === 'CANCELLED')).toBe(false);
        for (const id of ['b1', 's1', 's2']) expect(engine.getOrder(id)).toBeUndefined();
        expect(engine.restingCount).toBe(0);
      });

      it('is rejected with nothing traded when the crossing quantity is short', () => {
        const engine = new MatchingEngine('BTC-USD');
        engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
        engine.submit(limit('s2', 'A', 'SELL', u(102), u(5)));
        const before = engine.snapshot();
        const events = engine.submit(limit('b1', 'B', 'BUY', u(101), u(2), { timeInForce: 'FOK' }));
        expect(events).toEqual([
          {
            type: 'REJECTED',
            sequence: before.sequence + 1,
            orderId: 'b1',
            accountId: 'B',
            reason: 'FOK_CANNOT_FILL',
            message: expect.any(String),
          },
        ]);
        expect(engine.snapshot()).toEqual({ ...before, sequence: before.sequence + 1 });
        expect(engine.getOrder('b1')).toBeUndefined();
        expect(engine.restingCount).toBe(2);
        expect(engine.getOrder('s1')).toMatchObject({ status: 'OPEN', filledQuantity: 0n, remaining: u(1) });
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
      expect(trades(events).map((t) => [t.makerRemaining, t.takerRemaining])).toEqual([
        [0n, u(2)],
        [u(3), 0n],
      ]);
      expect(events.some((e) => e.type === 'CANCELLED')).toBe(false);
      expect(engine.getOrder('m1')).toBeUndefined();
      expect(engine.getOrder('b1')).toBeUndefined();
      expect(engine.getOrder('b2')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(2), remaining: u(3) });
      expect(engine.bestBid()).toEqual({ price: u(90), quantity: u(3), orderCount: 1 });
    });

    it('cancels what the book could not fill', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('s1', 'A', 'SELL', u(100), u(1)));
      const events = engine.submit(market('m1', 'B', 'BUY', u(3), 'GTC'));
      expect(types(events)).toEqual(['ACCEPTED', 'TRADE', 'BOOK_DELTA', 'CANCELLED']);
      expect(only(events, 'TRADE')).toMatchObject({ takerOrderId: 'm1', quantity: u(1), takerRemaining: u(2) });
      expect(only(events, 'CANCELLED')).toMatchObject({ orderId: 'm1', remaining: u(2), reason: 'MARKET_REMAINDER' });
      expect(engine.getOrder('m1')).toBeUndefined();
      expect(engine.restingCount).toBe(0);
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
      expect(events).toMatchObject([{ type: 'REJECTED', orderId: 'm1', accountId: 'B', reason: 'NO_LIQUIDITY' }]);
      expect(events).toHaveLength(1);
      expect(engine.getOrder('m1')).toBeUndefined();
      expect(engine.getOrder('b1')).toMatchObject({ status: 'OPEN', remaining: u(1) });
      expect(engine.restingCount).toBe(1);
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
      expect(events).toHaveLength(1);
      expect(engine.snapshot()).toEqual({ ...before, sequence: before.sequence + 1 });
      expect(engine.getOrder('b1')).toBeUndefined();
      expect(engine.getOrder('s1')).toMatchObject({ status: 'OPEN', remaining: u(1) });
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
      expect(only(events, 'TRADE')).toMatchObject({ makerRemaining: 0n, takerRemaining: u(2) });
      expect(engine.getOrder('own')).toMatchObject({ status: 'OPEN', remaining: u(1) });
      expect(engine.getOrder('other-1')).toBeUndefined();
      expect(engine.getOrder('t')).toBeUndefined();
      expect(engine.restingCount).toBe(2);
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
      expect(engine.getOrder('own')).toBeUndefined();
      expect(engine.getOrder('t')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(2), remaining: u(1) });
      expect(engine.restingCount).toBe(1);
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
      for (const id of ['other-1', 'own', 't']) expect(engine.getOrder(id)).toBeUndefined();
      expect(engine.getOrder('other-2')).toMatchObject({ status: 'OPEN', remaining: u(1) });
      expect(engine.restingCount).toBe(1);
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
      expect(only(events, 'CANCELLED')).toMatchObject({ orderId: 'own', remaining: u(1), reason: 'SELF_TRADE_PREVENTION' });
      expect(trades(events).at(-1)?.takerRemaining).toBe(0n);
      for (const id of ['own', 't2', 'other-1', 'other-2']) expect(engine.getOrder(id)).toBeUndefined();
      expect(engine.restingCount).toBe(0);
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
      const events = engine.submit(order);
      expect(only(events, 'ACCEPTED')).toMatchObject({ orderId: 'm', orderType: 'MARKET', price: null });
      expect(only(events, 'TRADE')).toMatchObject({ takerOrderId: 'm', takerRemaining: 0n });
      expect(engine.getOrder('m')).toBeUndefined();
    });

    it('answers a live order’s id with DUPLICATE_ORDER_ID and changes nothing', () => {
      const engine = new MatchingEngine('BTC-USD');
      engine.submit(limit('b1', 'A', 'BUY', u(100), u(3)));
      engine.submit(limit('s0', 'B', 'SELL', u(100), u(1)));
      const before = { snapshot: engine.snapshot(), order: engine.getOrder('b1') };
      expect(before.order).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(1), remaining: u(2) });
      // Even an order that would cross it (and an invalid one) is answered DUPLICATE_ORDER_ID and nothing else.
      for (const order of [limit('b1', 'C', 'SELL', u(90), u(7)), limit('b1', 'A', 'BUY', u(100), 0n)]) {
        const events = engine.submit(order);
        expect(events).toEqual([
          {
            type: 'REJECTED',
            sequence: engine.lastSequence,
            orderId: 'b1',
            accountId: order.accountId,
            reason: 'DUPLICATE_ORDER_ID',
            message: expect.any(String),
          },
        ]);
        expect(engine.getOrder('b1')).toStrictEqual(before.order);
        expect(engine.restingCount).toBe(1);
      }
      expect(engine.snapshot()).toEqual({ ...before.snapshot, sequence: before.snapshot.sequence + 2 });
    });

    it('accepts a final order’s id as a new order, whatever ended it', () => {
      const engine = new MatchingEngine('BTC-USD');
      endOneOfEachWay(engine, ['s1', 'filled', 'cancelled', 'expired', 'ioc']);
      engine.submit(market('rejected', 'B', 'BUY', u(1)));
      const finals = ['s1', 'filled', 'cancelled', 'expired', 'ioc', 'rejected'];
      for (const id of finals) expect(engine.getOrder(id)).toBeUndefined();
      expect(engine.restingCount).toBe(0);

      finals.forEach((id, i) => {
        const price = u(80 + i);
        const events = engine.submit(limit(id, 'C', 'BUY', price, u(2)));
        expect(types(events)).toEqual(['ACCEPTED', 'BOOK_DELTA']);
        expect(only(events, 'ACCEPTED')).toMatchObject({ orderId: id, accountId: 'C', price, quantity: u(2) });
        // A fresh order: nothing of the old one (its fills, its cancel) carries over.
        expect(engine.getOrder(id)).toMatchObject({
          accountId: 'C',
          side: 'BUY',
          price,
          status: 'OPEN',
          quantity: u(2),
          filledQuantity: 0n,
          remaining: u(2),
        });
        expect(engine.restingCount).toBe(i + 1);
      });
      expect(engine.snapshot().bids).toHaveLength(finals.length);
      // The new order under the old id lives a whole life: it trades, and is then final again.
      const sweep = engine.submit(market('sweep', 'D', 'SELL', u(3)));
      expect(trades(sweep).map((t) => [t.makerOrderId, t.makerRemaining])).toEqual([
        ['rejected', 0n],
        ['ioc', u(1)],
      ]);
      expect(engine.getOrder('rejected')).toBeUndefined();
      expect(engine.getOrder('ioc')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(1), remaining: u(1) });
      // And it is a live order's id again while it rests.
      expect(engine.submit(limit('ioc', 'C', 'BUY', u(1), u(1)))).toMatchObject([{ type: 'REJECTED', reason: 'DUPLICATE_ORDER_ID' }]);
    });

    it('holds an INVALID_ORDER neither way: its id stays free, and a live order under it is untouched', () => {
      const engine = new MatchingEngine('BTC-USD');
      expect(engine.submit(limit('x', 'A', 'BUY', u(100), 0n))).toMatchObject([
        { type: 'REJECTED', orderId: 'x', reason: 'INVALID_ORDER' },
      ]);
      expect(engine.getOrder('x')).toBeUndefined();
      expect(engine.restingCount).toBe(0);
      // The id was never taken: a valid order under it is a new order.
      expect(types(engine.submit(limit('x', 'A', 'BUY', u(100), u(1))))).toEqual(['ACCEPTED', 'BOOK_DELTA']);
      expect(engine.restingCount).toBe(1);
      // Once that one is final, an invalid order under the id is still INVALID_ORDER (not a duplicate), and not held.
      engine.cancel('x');
      expect(engine.submit(limit('x', 'A', 'BUY', u(100), u(1), { postOnly: true, timeInForce: 'IOC' }))).toMatchObject([
        { type: 'REJECTED', orderId: 'x', reason: 'INVALID_ORDER' },
      ]);
      expect(engine.getOrder('x')).toBeUndefined();
      expect(engine.restingCount).toBe(0);
      expect(engine.snapshot().bids).toEqual([]);
      expect(engine.cancel('x')).toMatchObject([{ type: 'CANCEL_REJECTED', reason: 'UNKNOWN_ORDER' }]);
    });
  });

  describe('restingCount', () => {
    it('follows the book: a rest adds one; a fill, a cancel and an expiry remove one; rejected, filled and IOC orders never count', () => {
      const engine = new MatchingEngine('BTC-USD');
      const count = (): number => engine.restingCount;
      const bookOrders = (): number =>
        [...engine.snapshot().bids, ...engine.snapshot().asks].reduce((sum, l) => sum + l.orderCount, 0);
      expect(count()).toBe(0);

      engine.submit(limit('b1', 'A', 'BUY', u(99), u(1)));
      engine.submit(limit('b2', 'A', 'BUY', u(98), u(1), { timeInForce: 'GTD' }));
      engine.submit(limit('s1', 'A', 'SELL', u(101), u(3)));
      expect(count()).toBe(3);
      // Rejected: post-only that would take, FOK short, MARKET without liquidity, invalid, duplicate.
      engine.submit(limit('r1', 'B', 'BUY', u(101), u(1), { postOnly: true }));
      engine.submit(limit('r2', 'B', 'BUY', u(101), u(5), { timeInForce: 'FOK' }));
      engine.submit(market('r3', 'A', 'BUY', u(1)));
      engine.submit(limit('r4', 'B', 'BUY', u(101), 0n));
      engine.submit(limit('b1', 'B', 'BUY', u(97), u(1)));
      expect(count()).toBe(3);
      // IOC never rests: filled against s1 (which stays), or cancelled when nothing crosses.
      expect(only(engine.submit(limit('ioc', 'B', 'BUY', u(101), u(1), { timeInForce: 'IOC' })), 'TRADE')).toMatchObject({
        makerRemaining: u(2),
        takerRemaining: 0n,
      });
      expect(types(engine.submit(limit('ioc2', 'B', 'BUY', u(100), u(1), { timeInForce: 'IOC' })))).toEqual(['ACCEPTED', 'CANCELLED']);
      expect(count()).toBe(3);
      // A taker filled on arrival never counts, and the maker it fills leaves.
      engine.submit(limit('t1', 'B', 'BUY', u(101), u(2)));
      expect(engine.getOrder('t1')).toBeUndefined();
      expect(engine.getOrder('s1')).toBeUndefined();
      expect(count()).toBe(2);
      // A taker that partly fills then rests counts; the maker it filled does not.
      engine.submit(limit('s2', 'B', 'SELL', u(99), u(3)));
      expect(engine.getOrder('s2')).toMatchObject({ status: 'PARTIALLY_FILLED', remaining: u(2) });
      expect(count()).toBe(2);
      engine.cancel('s2');
      expect(count()).toBe(1);
      engine.expire('b2');
      expect(count()).toBe(0);
      // Requests that find nothing change nothing.
      engine.cancel('s2');
      engine.expire('b2');
      engine.cancel('never');
      expect(count()).toBe(0);
      expect(bookOrders()).toBe(0);
      engine.submit(limit('b3', 'A', 'BUY', u(99), u(1)));
      engine.submit(limit('b4', 'A', 'BUY', u(99), u(1)));
      expect(count()).toBe(2);
      expect(bookOrders()).toBe(2);
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
      expect(engine.getOrder('b1')).toBeUndefined();
      expect(engine.getOrder('b2')).toMatchObject({ status: 'OPEN', remaining: u(2) });
      expect(engine.restingCount).toBe(1);
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
      expect(only(engine.submit(limit('b1', 'B', 'BUY', u(100), u(1))), 'TRADE')).toMatchObject({
        quantity: u(1),
        makerRemaining: u(2),
      });
      expect(engine.getOrder('s1')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: u(1), remaining: u(2) });
      expect(only(engine.cancel('s1'), 'CANCELLED')).toMatchObject({ orderId: 's1', remaining: u(2), reason: 'USER' });
      expect(engine.getOrder('s1')).toBeUndefined();
      expect(engine.restingCount).toBe(0);
    });

    it('answers unknown and final orders alike: CANCEL_REJECTED UNKNOWN_ORDER, with no status', () => {
      const engine = new MatchingEngine('BTC-USD');
      const rejectedAs = (request: 'CANCEL' | 'EXPIRE', orderId: string): void => {
        const before = engine.snapshot();
        const events = request === 'CANCEL' ? engine.cancel(orderId) : engine.expire(orderId);
        expect(events).toStrictEqual([
          { type: 'CANCEL_REJECTED', sequence: before.sequence + 1, orderId, request, reason: 'UNKNOWN_ORDER' },
        ]);
        expect('status' in (events[0] as object)).toBe(false);
        expect(engine.snapshot()).toEqual({ ...before, sequence: before.sequence + 1 });
      };
      rejectedAs('CANCEL', 'nope');
      rejectedAs('EXPIRE', 'nope');
      const finals = ['s1', 'b1', 'c1', 'e1', 'i1'];
      endOneOfEachWay(engine, finals);
      engine.submit(limit('p1', 'B', 'BUY', u(80), u(1)));
      for (const id of finals) {
        rejectedAs('CANCEL', id);
        rejectedAs('EXPIRE', id);
      }
      // A live order is still cancelled.
      expect(types(engine.cancel('p1'))).toEqual(['CANCELLED', 'BOOK_DELTA']);
      rejectedAs('CANCEL', 'p1');
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

/** The test's own record of one order, kept from the engine's events alone (never read back from the engine). */
interface ModelOrder {
  order: EngineOrder;
  /** Index of the op that submitted it: time priority. */
  arrival: number;
  /** Sum of its TRADE quantities. */
  traded: bigint;
  /** Open quantity as the events last said it: all of it on ACCEPTED, then its TRADEs' maker/takerRemaining; 0 once final. */
  remaining: bigint;
  /** What ended without trading: the `remaining` of its CANCELLED or EXPIRED event, or all of it when REJECTED. */
  cancelled: bigint;
  /** Accepted and not yet filled, cancelled or expired: it rests, and the engine must hold it. */
  live: boolean;
}

/** How often a run met the cases the model distinguishes (so the test can check it exercises them). */
interface ScenarioStats {
  reusedLive: number;
  reusedFinal: number;
  cancelledLive: number;
  cancelledFinal: number;
}

/** Key order does not matter: the same fields and values. */
const sameFields = (a: object, b: object): boolean => {
  const sorted = (o: object): unknown[] => Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1));
  return show(sorted(a)) === show(sorted(b));
};

function runScenario({ policy, ops, replayFrom }: Scenario, stats: ScenarioStats): void {
  const engine = new MatchingEngine('BTC-USD', { selfTradePrevention: policy });
  /** The current order under each id: a final order's id may be submitted again, as a new order. */
  const model = new Map<string, ModelOrder>();
  /** Every order ever submitted (not INVALID, not DUPLICATE), replaced ones included: their trades still count. */
  const history: ModelOrder[] = [];
  const ids: string[] = [];
  let nextId = 0;
  let lastSequence = 0;
  let tradedTotal = 0n;
  let replica: L2Replica | null = null;

  ops.forEach((op, opIndex) => {
    if (opIndex === replayFrom % ops.length) replica = new L2Replica(engine.snapshot());
    const restingBefore: Resting[] = [];
    for (const m of model.values()) {
      if (m.live) restingBefore.push({ order: m.order, arrival: m.arrival, remaining: m.remaining });
    }
    const before = show({ ...engine.snapshot(), sequence: 0 });

    let events: EngineEvent[];
    let submitted: EngineOrder | null = null;
    let reused: string | undefined;
    /** The engine's view of a live order whose id is submitted again. */
    let liveBefore: string | null = null;
    let target: string | null = null;
    if (op.kind === 'submit') {
      reused = op.reuseId === null ? undefined : ids[op.reuseId % ids.length];
      if (reused !== undefined && model.get(reused)?.live === true) liveBefore = show(engine.getOrder(reused));
      submitted = { ...op.order, orderId: reused ?? `o${nextId++}` };
      events = engine.submit(submitted);
    } else {
      const window = op.recent ? Math.min(ids.length, 6) : ids.length;
      target = ids[ids.length - 1 - (op.target % Math.max(window, 1))] ?? 'unknown';
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
      const id = submitted.orderId;
      if (liveBefore !== null) {
        // A live order's id: DUPLICATE_ORDER_ID, and that order is exactly as it was.
        stats.reusedLive++;
        const isDuplicate = first?.type === 'REJECTED' && first.reason === 'DUPLICATE_ORDER_ID';
        invariant(isDuplicate, () => `duplicate of a live order accepted: ${where()}`);
        invariant(show(engine.getOrder(id)) === liveBefore, () => `duplicate changed the live order: ${where()}`);
      } else if (first?.type === 'REJECTED' && first.reason === 'INVALID_ORDER') {
        const postOnlyWithoutRest = submitted.postOnly && submitted.timeInForce !== 'GTC' && submitted.timeInForce !== 'GTD';
        invariant(postOnlyWithoutRest, () => `valid order rejected: ${where()}`);
        invariant(engine.getOrder(id) === undefined, () => `invalid order held: ${where()}`);
      } else {
        // A new id, or a final order's id: a new order either way.
        if (reused !== undefined) stats.reusedFinal++;
        const accepted = first?.type === 'ACCEPTED';
        const rejectedOtherwise = first?.type === 'REJECTED' && first.reason !== 'DUPLICATE_ORDER_ID';
        invariant(accepted || rejectedOtherwise, () => `new order answered as a duplicate: ${where()}`);
        const entry: ModelOrder = {
          order: submitted,
          arrival: opIndex,
          traded: 0n,
          remaining: accepted ? submitted.quantity : 0n,
          cancelled: accepted ? 0n : submitted.quantity,
          live: accepted,
        };
        model.set(id, entry);
        history.push(entry);
        if (reused !== undefined) ids.splice(ids.indexOf(id), 1);
        ids.push(id);
        checkSubmitOutcome(submitted, events, restingBefore, policy, where);
      }
    } else if (target !== null) {
      // Cancel/expire: a live order ends (its remaining goes), anything else is UNKNOWN_ORDER without a status.
      const request = op.kind === 'cancel' ? 'CANCEL' : 'EXPIRE';
      if (model.get(target)?.live === true) {
        stats.cancelledLive++;
        const [ended, delta] = events;
        const endedOk =
          events.length === 2 &&
          ended?.type === (request === 'CANCEL' ? 'CANCELLED' : 'EXPIRED') &&
          ended.orderId === target &&
          (ended.type !== 'CANCELLED' || ended.reason === 'USER') &&
          delta?.type === 'BOOK_DELTA';
        invariant(endedOk, () => `live order not ${request}: ${where()}`);
      } else {
        stats.cancelledFinal++;
        const expected = { type: 'CANCEL_REJECTED', sequence: lastSequence, orderId: target, request, reason: 'UNKNOWN_ORDER' };
        invariant(events.length === 1 && sameFields(events[0] as object, expected), () => `not UNKNOWN_ORDER: ${where()}`);
      }
    }

    // Apply the events to the model, in order. Trades: never between one account, never a post-only taker, at the
    // maker's price, within the taker's limit, and price-time priority: nothing ahead of the maker (a better price,
    // or the same price and older) still open.
    const finishedInOp = new Set<string>();
    for (const e of events) {
      if (e.type === 'CANCELLED' || e.type === 'EXPIRED') {
        const m = model.get(e.orderId);
        invariant(m !== undefined && m.live, () => `${e.type} of an order that is not live: ${where()}`);
        invariant(e.remaining > 0n && e.accountId === m.order.accountId, () => `${e.type} event: ${where()}`);
        m.cancelled += e.remaining;
        m.remaining = 0n;
        m.live = false;
        finishedInOp.add(e.orderId);
        continue;
      }
      if (e.type !== 'TRADE') continue;
      const maker = model.get(e.makerOrderId);
      const taker = model.get(e.takerOrderId);
      invariant(maker !== undefined && taker !== undefined, () => `trade with unknown orders: ${where()}`);
      invariant(maker.live && taker.live, () => `trade with a final order: ${where()}`);
      invariant(taker.order === submitted && maker.arrival < taker.arrival, () => `taker is not the new order: ${where()}`);
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
      for (const [m, left] of [
        [maker, e.makerRemaining],
        [taker, e.takerRemaining],
      ] as const) {
        m.traded += e.quantity;
        m.remaining = left;
        if (left === 0n) {
          m.live = false;
          finishedInOp.add(m.order.orderId);
        }
      }
      tradedTotal += e.quantity;
    }

    // The book is never crossed.
    const bid = engine.bestBid();
    const ask = engine.bestAsk();
    invariant(bid === undefined || ask === undefined || bid.price < ask.price, () => `crossed book: ${where()}`);

    // (a) Quantity is conserved for every order: traded + live remaining + cancelled = quantity.
    // (e) Buys and sells fill the same total, the traded total.
    let filledBuy = 0n;
    let filledSell = 0n;
    for (const m of history) {
      const conserved = m.traded + m.remaining + m.cancelled === m.order.quantity;
      invariant(conserved, () => `not conserved ${show(m)}: ${where()}`);
      invariant(m.live === m.remaining > 0n, () => `live/remaining mismatch ${show(m)}: ${where()}`);
      if (m.order.side === 'BUY') filledBuy += m.traded;
      else filledSell += m.traded;
    }
    invariant(filledBuy === tradedTotal && filledSell === tradedTotal, () => `buy/sell fills differ: ${where()}`);

    // (b) The engine holds exactly the live orders, as the model has them; (c) restingCount counts them.
    let liveCount = 0;
    const levels = new Map<string, BookLevel & { side: Side }>();
    for (const [id, m] of model) {
      const s = engine.getOrder(id);
      if (!m.live) {
        invariant(s === undefined, () => `final order ${id} still held ${show(s)}: ${where()}`);
        continue;
      }
      liveCount++;
      invariant(s !== undefined, () => `live order ${id} lost: ${where()}`);
      const expected: OrderState = {
        orderId: id,
        accountId: m.order.accountId,
        side: m.order.side,
        type: m.order.type,
        price: m.order.price,
        timeInForce: m.order.timeInForce,
        postOnly: m.order.postOnly,
        status: m.traded === 0n ? 'OPEN' : 'PARTIALLY_FILLED',
        quantity: m.order.quantity,
        filledQuantity: m.traded,
        remaining: m.remaining,
      };
      invariant(sameFields(s, expected), () => `engine has ${show(s)}, model ${show(expected)}: ${where()}`);
      const key = `${s.side}:${s.price}`;
      const level = levels.get(key) ?? { side: s.side, price: s.price as bigint, quantity: 0n, orderCount: 0 };
      levels.set(key, { ...level, quantity: level.quantity + m.remaining, orderCount: level.orderCount + 1 });
    }
    invariant(engine.restingCount === liveCount, () => `restingCount ${engine.restingCount} != ${liveCount} live: ${where()}`);

    // (d) The aggregated book is exactly the live orders; snapshot + BOOK_DELTAs rebuild it exactly.
    const snap = engine.snapshot();
    const book = show({ bids: snap.bids, asks: snap.asks });
    invariant(show(l2FromLevels(levels)) === book, () => `book ${book} is not the live orders: ${where()}`);
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
    const stats: ScenarioStats = { reusedLive: 0, reusedFinal: 0, cancelledLive: 0, cancelledFinal: 0 };
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        runScenario(scenario, stats);
      }),
      { numRuns: 500 },
    );
    // The runs did meet every case the model tells apart: a live and a final order's id submitted again, a
    // live and a final (or unknown) order cancelled or expired.
    for (const [name, n] of Object.entries(stats)) expect([name, n > 0]).toEqual([name, true]);
  });
});

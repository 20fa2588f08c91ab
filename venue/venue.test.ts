import { parseDecimal } from '../domain/decimal';
import type { DomainError } from '../domain/errors';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { kafkaTopics } from '../infra/kafka/topics';
import { createLogger } from '../infra/logger';
import { LIQUIDITY_ACCOUNT_ID } from './liquidity-simulator';
import type { VenueOrderRequest } from './schemas';
import { InMemoryVenueStore, RecordingPublisher } from '../test/harness/venue-test-doubles';
import { Venue } from './venue';

const d = parseDecimal;
const symbols = new SymbolRegistry(DEFAULT_SYMBOLS);
const logger = createLogger({ name: 'venue-test', level: 'silent' });
const topics = kafkaTopics('');

function order(orderId: string, accountId: string, side: 'BUY' | 'SELL', price: string | null, quantity: string, extra: Partial<VenueOrderRequest> = {}): VenueOrderRequest {
  return {
    orderId,
    accountId,
    symbol: 'BTC-USD',
    side,
    type: price === null ? 'MARKET' : 'LIMIT',
    quantity: d(quantity),
    price: price === null ? null : d(price),
    protectionPrice: null,
    timeInForce: price === null ? 'IOC' : 'GTC',
    postOnly: false,
    ...extra,
  };
}

async function startVenue(store: InMemoryVenueStore, publisher: RecordingPublisher, keepFinalOrders?: number) {
  const venue = new Venue({
    store,
    publisher,
    topics,
    symbols,
    logger,
    epoch: await store.nextRunEpoch(),
    relay: { retryMs: 5 },
    ...(keepFinalOrders === undefined ? {} : { keepFinalOrders }),
  });
  await venue.recover();
  return venue;
}

/** Waits until the relay published everything committed. */
async function published(venue: Venue): Promise<void> {
  for (let i = 0; i < 200 && venue.stats().relayBacklog > 0; i++) await new Promise((r) => setTimeout(r, 5));
  expect(venue.stats().relayBacklog).toBe(0);
}

const reports = (publisher: RecordingPublisher) => publisher.values(topics.venueReports) as any[];
const feed = (publisher: RecordingPublisher) => publisher.values(topics.priceFeeds) as any[];
const codeOf = async (p: Promise<unknown>) => ((await p.then(() => undefined, (e: unknown) => e)) as DomainError | undefined)?.code;

describe('Venue', () => {
  let store: InMemoryVenueStore;
  let publisher: RecordingPublisher;
  let venue: Venue;

  beforeEach(async () => {
    store = new InMemoryVenueStore();
    publisher = new RecordingPublisher();
    venue = await startVenue(store, publisher);
  });
  afterEach(() => venue.stop());

  it('is idempotent by orderId: a repeat answers the existing order, different terms are refused', async () => {
    const first = await venue.submit(order('o1', 'alice', 'BUY', '100', '1'));
    expect(first).toMatchObject({ created: true, order: { status: 'OPEN', remaining: '1', version: 1 } });
    const again = await Promise.all([venue.submit(order('o1', 'alice', 'BUY', '100', '1')), venue.submit(order('o1', 'alice', 'BUY', '100.00', '1.0'))]);
    expect(again.map((a) => a.created)).toEqual([false, false]);
    expect(again[0].order).toEqual(first.order);
    expect(await codeOf(venue.submit(order('o1', 'alice', 'BUY', '101', '1')))).toBe('IDEMPOTENCY_KEY_REUSED');
    await published(venue);
    expect(reports(publisher).map((r) => [r.eventId, r.report.type])).toEqual([['o1:1', 'ACCEPTED']]);
    expect((await venue.book('BTC-USD', 10)).bids).toEqual([{ price: '100', quantity: '1', orderCount: 1 }]);
  });

  it('reports both sides of a trade between users, and the public trade and book deltas', async () => {
    await venue.submit(order('m1', 'alice', 'SELL', '100', '1'));
    await venue.submit(order('m2', 'carol', 'SELL', '101', '1'));
    const taker = await venue.submit(order('t1', 'bob', 'BUY', '101', '1.5'));
    expect(taker.order).toMatchObject({ status: 'FILLED', filledQuantity: '1.5', remaining: '0', version: 3 });
    expect(taker.order.fills.map((f) => [f.fillId, f.price, f.quantity, f.liquidity])).toEqual([
      ['BTC-USD-1-1:t1', '100', '1', 'TAKER'],
      ['BTC-USD-1-2:t1', '101', '0.5', 'TAKER'],
    ]);
    await published(venue);
    const fills = reports(publisher).filter((r) => r.report.type === 'FILL');
    expect(fills.map((r) => [r.eventId, r.report.fillId, r.report.liquidity, r.report.remaining])).toEqual([
      ['m1:2', 'BTC-USD-1-1:m1', 'MAKER', '0'],
      ['t1:2', 'BTC-USD-1-1:t1', 'TAKER', '0.5'],
      ['m2:2', 'BTC-USD-1-2:m2', 'MAKER', '0.5'],
      ['t1:3', 'BTC-USD-1-2:t1', 'TAKER', '0'],
    ]);
    const events = feed(publisher);
    expect(events.map((e) => e.version - events[0].version)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.eventType === 'PublicTrade').map((e) => [e.tradeId, e.price, e.quantity, e.takerSide])).toEqual([
      ['BTC-USD-1-1', '100', '1', 'BUY'],
      ['BTC-USD-1-2', '101', '0.5', 'BUY'],
    ]);
    const book = await venue.book('BTC-USD', 5);
    expect(book).toMatchObject({ sequence: events.at(-1).version, asks: [{ price: '101', quantity: '0.5', orderCount: 1 }], bids: [] });
  });

  it("marks the reports a submit makes of its own order when the caller reads them from the answer, and no other report", async () => {
    await venue.submit(order('m1', 'alice', 'SELL', '100', '1', { reportsInAnswer: true }));
    await venue.submit(order('m2', 'carol', 'SELL', '101', '1'));
    const taker = await venue.submit(order('t1', 'bob', 'BUY', '101', '1.5', { reportsInAnswer: true }));
    // Not one of the order's terms: a repeat without it answers the same order.
    expect(await venue.submit(order('t1', 'bob', 'BUY', '101', '1.5'))).toEqual({ order: taker.order, created: false });
    const ioc = await venue.submit(order('i1', 'bob', 'BUY', '101', '1', { timeInForce: 'IOC', reportsInAnswer: true }));
    expect(ioc.order).toMatchObject({ status: 'CANCELLED', filledQuantity: '0.5', reason: 'IOC_REMAINDER', version: 3 });
    await published(venue);
    expect(reports(publisher).map((r) => [r.eventId, r.report.type, r.inSubmitAnswer ?? false])).toEqual([
      ['m1:1', 'ACCEPTED', true],
      ['m2:1', 'ACCEPTED', false],
      // The taker's submit fills the makers too: only the taker's own reports were in its answer.
      ['t1:1', 'ACCEPTED', true],
      ['m1:2', 'FILL', false],
      ['t1:2', 'FILL', true],
      ['m2:2', 'FILL', false],
      ['t1:3', 'FILL', true],
      ['i1:1', 'ACCEPTED', true],
      ['m2:3', 'FILL', false],
      ['i1:2', 'FILL', true],
      ['i1:3', 'CANCELLED', true],
    ]);
    // What was marked is what the answer holds: every fill and the end, numbered as the reports.
    expect(taker.order.version).toBe(3);
    expect(taker.order.fills.map((f) => f.version)).toEqual([2, 3]);
  });

  it('cancels a resting order, and answers a final or unknown one clearly', async () => {
    await venue.submit(order('c1', 'alice', 'BUY', '100', '1'));
    expect(await venue.cancel('c1')).toMatchObject({ status: 'CANCELLED', remaining: '0', cancelledQuantity: '1', reason: 'USER', version: 2 });
    expect(await codeOf(venue.cancel('c1'))).toBe('ORDER_TERMINAL');
    expect(await codeOf(venue.cancel('nope'))).toBe('ORDER_NOT_FOUND');
    await venue.submit(order('g1', 'alice', 'BUY', '99', '1', { timeInForce: 'GTD' }));
    expect(await venue.cancel('g1', 'GTD_EXPIRED')).toMatchObject({ status: 'EXPIRED', reason: 'GTD_EXPIRED' });
    await published(venue);
    expect(reports(publisher).map((r) => [r.orderId, r.version, r.report])).toEqual([
      ['c1', 1, { type: 'ACCEPTED' }],
      ['c1', 2, { type: 'CANCELLED', reason: 'USER', remaining: '1' }],
      ['g1', 1, { type: 'ACCEPTED' }],
      ['g1', 2, { type: 'EXPIRED', remaining: '1' }],
    ]);
  });

  it('ends an IOC remainder CANCELLED, rejects what the engine rejects, and keeps both answers', async () => {
    await venue.submit(order('m1', 'alice', 'SELL', '100', '1'));
    const ioc = await venue.submit(order('i1', 'bob', 'BUY', '100', '3', { timeInForce: 'IOC' }));
    expect(ioc.order).toMatchObject({ status: 'CANCELLED', filledQuantity: '1', cancelledQuantity: '2', reason: 'IOC_REMAINDER' });
    const market = await venue.submit(order('k1', 'bob', 'BUY', null, '1'));
    expect(market.order).toMatchObject({ status: 'REJECTED', reason: 'NO_LIQUIDITY', version: 1 });
    expect((await venue.submit(order('k1', 'bob', 'BUY', null, '1'))).created).toBe(false);
  });

  it('reports user fills against the liquidity account, but nothing of its own orders', async () => {
    await venue.applyLiquidity('BTC-USD', [
      { kind: 'submit', order: { orderId: `${LIQUIDITY_ACCOUNT_ID}:q1`, accountId: LIQUIDITY_ACCOUNT_ID, side: 'SELL', type: 'LIMIT', price: d('100'), quantity: d('2'), timeInForce: 'GTC', postOnly: false } },
    ]);
    await venue.submit(order('u1', 'alice', 'BUY', '100', '0.5'));
    await venue.applyLiquidity('BTC-USD', [{ kind: 'cancel', orderId: `${LIQUIDITY_ACCOUNT_ID}:q1` }]);
    await published(venue);
    expect(reports(publisher).map((r) => [r.orderId, r.report.type])).toEqual([
      ['u1', 'ACCEPTED'],
      ['u1', 'FILL'],
    ]);
    expect(store.outbox.size).toBe(1);
  });

  it('waits out a store that does not answer: the submit is answered once committed, nothing is lost', async () => {
    store.failNextCommits = 3;
    const result = await venue.submit(order('s1', 'alice', 'BUY', '100', '1'));
    expect(result.order.status).toBe('OPEN');
    expect([...store.outbox.values()].map((c) => c.seq)).toEqual([1]);
  });

  it('publishes in commit order after Kafka comes back', async () => {
    publisher.failNext = 3;
    await venue.submit(order('p1', 'alice', 'BUY', '100', '1'));
    await venue.submit(order('p2', 'bob', 'SELL', '100', '1'));
    await published(venue);
    expect(reports(publisher).map((r) => r.eventId)).toEqual(['p1:1', 'p2:1', 'p1:2', 'p2:2']);
  });

  it('after a crash, rebuilds the book in time priority and republishes what was not published', async () => {
    await venue.submit(order('a1', 'alice', 'BUY', '100', '1'));
    await venue.submit(order('b1', 'bob', 'BUY', '100', '2'));
    await venue.submit(order('x1', 'xavier', 'SELL', '100', '0.4')); // a1 partially filled
    await published(venue);
    publisher.failNext = 1_000; // Kafka down: the next commit stays unpublished
    await venue.submit(order('c1', 'carol', 'BUY', '99', '1'));
    const before = await Promise.all(['a1', 'b1', 'c1', 'x1'].map((id) => venue.getOrder(id)));
    const bookBefore = await venue.book('BTC-USD', 10);
    // kill -9: the old instance is simply dropped, nothing is stopped or flushed.
    const restartedPublisher = new RecordingPublisher();
    const restarted = await startVenue(store, restartedPublisher);
    try {
      expect(await Promise.all(['a1', 'b1', 'c1', 'x1'].map((id) => restarted.getOrder(id)))).toEqual(before);
      expect((await restarted.book('BTC-USD', 10)).bids).toEqual(bookBefore.bids);
      await published(restarted);
      expect(reports(restartedPublisher).map((r) => r.eventId)).toEqual(['c1:1']);
      // Time priority survives: a1 (older, 0.6 left) fills before b1; trade ids carry the new run.
      const taker = await restarted.submit(order('y1', 'yan', 'SELL', '100', '1'));
      expect(taker.order.fills.map((f) => [f.fillId, f.quantity])).toEqual([
        ['BTC-USD-2-1:y1', '0.6'],
        ['BTC-USD-2-2:y1', '0.4'],
      ]);
      expect(await restarted.getOrder('a1')).toMatchObject({ status: 'FILLED', filledQuantity: '1', version: 3 });
      expect(await restarted.getOrder('b1')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.4', remaining: '1.6', version: 2 });
      // The same submit after the restart answers the existing order.
      expect(await restarted.submit(order('x1', 'xavier', 'SELL', '100', '0.4'))).toMatchObject({ created: false, order: before[3] });
    } finally {
      await restarted.stop();
    }
  });

  it('reports the size of each engine: the orders resting on its book, the only ones it holds', async () => {
    await venue.submit(order('z1', 'alice', 'SELL', '100', '1'));
    await venue.submit(order('z2', 'bob', 'BUY', '100', '1')); // fills z1: neither rests
    await venue.submit(order('z3', 'alice', 'BUY', '99', '1'));
    await venue.submit(order('z4', 'bob', 'BUY', '98', '1'));
    await venue.cancel('z4');
    expect(venue.engineSizes()).toEqual([{ symbol: 'BTC-USD', resting: 1 }]);
  });

  it('keeps only the most recent final orders in memory; an older one is read back from the store with the same answer', async () => {
    await venue.stop();
    venue = await startVenue(store, publisher, 5);
    await venue.submit(order('rest', 'carol', 'BUY', '90', '1')); // live: never forgotten
    const ended: Array<Awaited<ReturnType<Venue['submit']>>['order']> = [];
    for (let i = 0; i < 30; i += 1) {
      // A pair that trades: both orders end FILLED.
      await venue.submit(order(`s${i}`, 'alice', 'SELL', '100', '1'));
      ended.push((await venue.submit(order(`b${i}`, 'bob', 'BUY', '100', '1'))).order);
      await published(venue);
    }
    // 60 final orders went through; memory holds at most the 5 newest final ones (plus any not yet projected) and the live one.
    expect(venue.stats().knownOrders).toBeLessThanOrEqual(5 + 2 + 1);
    // The oldest answers as before, from the store: its state, a repeat submit that creates nothing, a cancel refused.
    expect(await venue.getOrder('b0')).toEqual(ended[0]);
    expect(await venue.submit(order('b0', 'bob', 'BUY', '100', '1'))).toEqual({ order: ended[0], created: false });
    expect(await codeOf(venue.cancel('s0'))).toBe('ORDER_TERMINAL');
    expect(await codeOf(venue.submit(order('b0', 'bob', 'BUY', '101', '1')))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await venue.cancel('rest')).toMatchObject({ status: 'CANCELLED' });
    // Reading old ones back does not grow memory past the bound either.
    for (let i = 0; i < 30; i += 1) await venue.getOrder(`s${i}`);
    expect(venue.stats().knownOrders).toBeLessThanOrEqual(5 + 1);
  });

  describe('orderStates (the reconciliation sweeper\'s bulk read)', () => {
    const summary = (o: { orderId: string; status: string; filledQuantity: string; version: number; updatedAt: string }) => ({
      orderId: o.orderId,
      status: o.status,
      filledQuantity: o.filledQuantity,
      version: o.version,
      updatedAt: o.updatedAt,
    });

    it('answers live and recent orders from memory, in the order asked, a repeated id once, unknown ids missing', async () => {
      await venue.submit(order('m1', 'alice', 'SELL', '100', '1'));
      const taker = await venue.submit(order('t1', 'bob', 'BUY', '100', '0.4'));
      await venue.submit(order('c1', 'carol', 'BUY', '90', '1'));
      const cancelled = await venue.cancel('c1');
      const maker = (await venue.getOrder('m1'))!;
      const getOrders = jest.spyOn(store, 'getOrders');
      const getOrder = jest.spyOn(store, 'getOrder');

      const answer = await venue.orderStates(['m1', 'nope', 't1', 'm1', 'c1', 'nope2', 't1']);
      expect(answer).toEqual({
        orders: [
          { orderId: 'm1', status: 'PARTIALLY_FILLED', filledQuantity: '0.4', version: 2, updatedAt: maker.updatedAt },
          { orderId: 't1', status: 'FILLED', filledQuantity: '0.4', version: 2, updatedAt: taker.order.updatedAt },
          { orderId: 'c1', status: 'CANCELLED', filledQuantity: '0', version: 2, updatedAt: cancelled.updatedAt },
        ],
        missing: ['nope', 'nope2'],
      });
      // The answer holds these fields only, as decimal strings; the store was asked once, for the ids memory lacks.
      expect(answer.orders.map((o) => Object.keys(o).sort())).toEqual(Array(3).fill(['filledQuantity', 'orderId', 'status', 'updatedAt', 'version']));
      expect(getOrders.mock.calls).toEqual([[['nope', 'nope2']]]);
      expect(getOrder).not.toHaveBeenCalled();
      // Nothing unknown is remembered.
      expect(venue.stats().knownOrders).toBe(3);
    });

    it('waits for a submit of an id in flight, as getOrder does', async () => {
      const submitting = venue.submit(order('f1', 'alice', 'BUY', '100', '1'));
      const answer = await venue.orderStates(['f1']);
      expect(answer).toEqual({ orders: [summary((await submitting).order)], missing: [] });
      expect(answer.orders[0]).toMatchObject({ status: 'OPEN', filledQuantity: '0', version: 1 });
    });

    it('reads final orders memory forgot from the store in one query, and does not take them back into memory', async () => {
      await venue.stop();
      venue = await startVenue(store, publisher, 5);
      const resting = await venue.submit(order('rest', 'carol', 'BUY', '90', '1'));
      const buys: Array<Awaited<ReturnType<Venue['submit']>>['order']> = [];
      for (let i = 0; i < 30; i += 1) {
        // A pair that trades: both orders end FILLED; the buy's answer is its final state.
        await venue.submit(order(`s${i}`, 'alice', 'SELL', '100', '1'));
        buys.push((await venue.submit(order(`b${i}`, 'bob', 'BUY', '100', '1'))).order);
        await published(venue);
      }
      const [b0, b1, b29] = [buys[0]!, buys[1]!, buys[29]!];
      const known = venue.stats().knownOrders;
      const getOrders = jest.spyOn(store, 'getOrders');
      const getOrder = jest.spyOn(store, 'getOrder');
      const fillsOf = jest.spyOn(store, 'fillsOf');

      const ids = ['b0', 'rest', 'ghost', 's0', 'b29', 'b0', 'b1'];
      const answer = await venue.orderStates(ids);
      expect(answer).toEqual({
        orders: [
          summary(b0),
          summary(resting.order),
          { orderId: 's0', status: 'FILLED', filledQuantity: '1', version: 2, updatedAt: b0.updatedAt },
          summary(b29),
          summary(b1),
        ],
        missing: ['ghost'],
      });
      expect(answer.orders[0]).toMatchObject({ orderId: 'b0', status: 'FILLED', filledQuantity: '1', version: 2 });
      // One read of the records of the ids memory lacks (the live and the newest final orders are in memory); no fills.
      expect(getOrders.mock.calls).toEqual([[['b0', 'ghost', 's0', 'b1']]]);
      expect(getOrder).not.toHaveBeenCalled();
      expect(fillsOf).not.toHaveBeenCalled();
      // Memory did not take them in: it is as it was, and asking again reads the store again.
      expect(venue.stats().knownOrders).toBe(known);
      expect(await venue.orderStates(ids)).toEqual(answer);
      expect(getOrders.mock.calls[1]).toEqual([['b0', 'ghost', 's0', 'b1']]);
      expect(venue.stats().knownOrders).toBe(known);
    });

    it('after a restart, answers orders that ended before it from the store and live ones from the rebuilt memory', async () => {
      await venue.submit(order('r1', 'alice', 'BUY', '100', '1'));
      const partial = await venue.submit(order('x1', 'xavier', 'SELL', '100', '0.25'));
      await venue.submit(order('c1', 'carol', 'BUY', '90', '1'));
      await venue.cancel('c1');
      await published(venue);
      const before = await venue.orderStates(['r1', 'x1', 'c1', 'ghost']);
      expect(before.orders.map((o) => [o.orderId, o.status, o.filledQuantity, o.version])).toEqual([
        ['r1', 'PARTIALLY_FILLED', '0.25', 2],
        ['x1', 'FILLED', '0.25', 2],
        ['c1', 'CANCELLED', '0', 2],
      ]);
      expect(partial.order.status).toBe('FILLED');
      // kill -9: the old instance is dropped; the new one holds the resting order only.
      const restarted = await startVenue(store, new RecordingPublisher());
      try {
        expect(restarted.stats().knownOrders).toBe(1);
        const getOrders = jest.spyOn(store, 'getOrders');
        expect(await restarted.orderStates(['r1', 'x1', 'c1', 'ghost'])).toEqual(before);
        expect(getOrders.mock.calls).toEqual([[['x1', 'c1', 'ghost']]]);
        expect(restarted.stats().knownOrders).toBe(1);
      } finally {
        await restarted.stop();
      }
    });
  });

  it('under churn its engine holds only the book: same priority, trade ids go on, ended ids stay refused', async () => {
    const liquidity = (n: number, side: 'BUY' | 'SELL', price: string) => ({
      kind: 'submit' as const,
      order: { orderId: `${LIQUIDITY_ACCOUNT_ID}:q${n}`, accountId: LIQUIDITY_ACCOUNT_ID, side, type: 'LIMIT' as const, price: d(price), quantity: d('1'), timeInForce: 'GTC' as const, postOnly: false },
    });
    await venue.submit(order('old', 'alice', 'SELL', '101', '1'));
    await venue.applyLiquidity('BTC-USD', [liquidity(1, 'SELL', '101'), liquidity(2, 'BUY', '99')]);
    await venue.submit(order('new', 'bob', 'SELL', '101', '1'));
    const tradeIds: string[] = [];
    for (let i = 0; i < 30; i++) {
      // Churn: a liquidity order in and out, and a small trade against the oldest ask at 101.
      await venue.applyLiquidity('BTC-USD', [liquidity(100 + i, 'BUY', '98'), { kind: 'cancel', orderId: `${LIQUIDITY_ACCOUNT_ID}:q${100 + i}` }]);
      if (i % 10 === 0) {
        const taker = await venue.submit(order(`t${i}`, 'carol', 'BUY', '101', '0.1'));
        tradeIds.push(...taker.order.fills.map((f) => f.tradeId));
      }
    }
    // 34 orders came and went or rest; the engine holds the four on the book (alice, bob and two liquidity quotes).
    expect(venue.engineSizes()).toEqual([{ symbol: 'BTC-USD', resting: 4 }]);
    expect(new Set(tradeIds).size).toBe(3);
    expect(tradeIds).toEqual(['BTC-USD-1-1', 'BTC-USD-1-2', 'BTC-USD-1-3']);
    // alice came first at 101: she took all three small fills, ahead of the liquidity order and bob.
    expect(await venue.getOrder('old')).toMatchObject({ filledQuantity: '0.3', remaining: '0.7' });
    expect(await venue.getOrder('new')).toMatchObject({ filledQuantity: '0' });
    const book = await venue.book('BTC-USD', 5);
    expect(book.asks).toEqual([{ price: '101', quantity: '2.7', orderCount: 3 }]);
    expect(book.bids).toEqual([{ price: '99', quantity: '1', orderCount: 1 }]);
    const taker = await venue.submit(order('sweep', 'carol', 'BUY', '101', '2.7'));
    expect(taker.order.fills.map((f) => f.fillId.split(':')[0])).toEqual(['BTC-USD-1-4', 'BTC-USD-1-5', 'BTC-USD-1-6']);
    expect((await venue.getOrder('new'))?.status).toBe('FILLED');
    expect(venue.engineSizes()).toEqual([{ symbol: 'BTC-USD', resting: 1 }]);
    // The engine forgot the ended orders; the venue did not: their ids answer what they were, and submit nothing.
    expect(await venue.submit(order('old', 'alice', 'SELL', '101', '1'))).toMatchObject({ created: false, order: { status: 'FILLED' } });
    expect(await codeOf(venue.cancel('t0'))).toBe('ORDER_TERMINAL');
    expect(venue.engineSizes()).toEqual([{ symbol: 'BTC-USD', resting: 1 }]);
  });
});

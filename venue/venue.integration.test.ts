import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { PriceFeedEventSchema, VenueReportSchema } from '../domain/venue-events';
import { loadConfig } from '../infra/config';
import { VenueClient } from '../infra/http/venue-client';
import { connectMongo } from '../infra/mongo/client';
import { VENUE_COLLECTIONS } from '../infra/mongo/venue-store';
import { testSigner } from '../test/harness/internal-calls';
import { eventually } from '../test/harness/processes';
import { orderBody, readOurs, topicOffsets, VenueTestProcess } from '../test/harness/venue-test-process';

jest.setTimeout(60_000);

/** Reports of different orders travel on different partitions: compare each order's own sequence. */
const byOrderThenVersion = (a: { orderId: string; version: number }, b: { orderId: string; version: number }) =>
  a.orderId === b.orderId ? a.version - b.version : a.orderId < b.orderId ? -1 : 1;

/** The venue process against the real Mongo and Kafka, replay off: user orders trade with each other. */
describe('venue service', () => {
  const { topics } = loadConfig().kafka;
  let venue: VenueTestProcess;
  let reportsFrom: Array<{ partition: number; offset: string }>;
  let feedFrom: Array<{ partition: number; offset: string }>;
  // Unique per run: the topics are shared with other tests and processes.
  const run = randomUUID().slice(0, 8);
  const id = (name: string) => `${run}-${name}`;

  beforeAll(async () => {
    venue = await VenueTestProcess.create('service');
    [reportsFrom, feedFrom] = await Promise.all([topicOffsets(topics.venueReports), topicOffsets(topics.priceFeeds)]);
    await venue.start();
  }, 120_000);
  afterAll(() => venue?.dispose(), 60_000);

  it('answers /health, /ready and /openapi.json with every route', async () => {
    expect((await venue.request('GET', '/health')).json).toEqual({ status: 'ok' });
    expect(await venue.request('GET', '/ready')).toMatchObject({ status: 200, json: { status: 'ready' } });
    const paths = Object.keys((await venue.request('GET', '/openapi.json')).json.paths);
    expect(paths).toEqual(expect.arrayContaining(['/venue/orders', '/venue/orders/states', '/venue/orders/{orderId}/cancel', '/venue/orders/{orderId}', '/venue/book/{symbol}', '/health', '/ready']));
  });

  it('is idempotent by orderId, also for concurrent repeats', async () => {
    const body = orderBody(id('idem'), 'alice', 'BUY', '100.5', '0.25');
    const answers = await Promise.all(Array.from({ length: 5 }, () => venue.submit(body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.headers.get('Idempotent-Replayed') === null)).toHaveLength(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.json))).size).toBe(1);
    expect(answers[0]!.json).toMatchObject({ orderId: id('idem'), status: 'OPEN', filledQuantity: '0', remaining: '0.25', version: 1, fills: [] });
    expect(await venue.submit({ ...body, quantity: '0.3' })).toMatchObject({ status: 422, json: { error: { code: 'IDEMPOTENCY_KEY_REUSED' } } });
    // The relay publishes in commit order: once a later order's report is out, a second ACCEPTED would be too.
    await venue.submit(orderBody(id('marker'), 'alice', 'BUY', '1', '0.25'));
    const mine = [id('idem'), id('marker')];
    const reports = await readOurs(topics.venueReports, reportsFrom, (e) => mine.includes(e.orderId), (es) => es.some((e) => e.orderId === id('marker')));
    expect(reports.filter((r) => r.orderId === id('idem')).map((r) => r.eventId)).toEqual([`${id('idem')}:1`]);
  });

  it("reports a marketable order's fills as the engine traded them, and publishes the trades and book deltas", async () => {
    const sells = [orderBody(id('s1'), 'carol', 'SELL', '200', '0.4'), orderBody(id('s2'), 'dave', 'SELL', '200.01', '0.5')];
    for (const sell of sells) expect((await venue.submit(sell)).status).toBe(200);
    // The caller reads the taker's reports from the answer (as the order workflow does): they are published marked so.
    expect(await venue.submit({ ...orderBody(id('b0'), 'bob', 'BUY', '200.01', '0.6'), reportsInAnswer: 'yes' })).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    const taker = await venue.submit({ ...orderBody(id('b1'), 'bob', 'BUY', '200.01', '0.6'), reportsInAnswer: true });
    expect(taker.json).toMatchObject({ status: 'FILLED', filledQuantity: '0.6', remaining: '0', version: 3 });
    const fills = taker.json.fills as Array<{ fillId: string; tradeId: string; price: string; quantity: string; liquidity: string }>;
    expect(fills.map((f) => [f.price, f.quantity, f.liquidity])).toEqual([
      ['200', '0.4', 'TAKER'],
      ['200.01', '0.2', 'TAKER'],
    ]);

    const mine = [id('s1'), id('s2'), id('b1')];
    const reports = await readOurs(topics.venueReports, reportsFrom, (e) => mine.includes(e.orderId), (es) => es.filter((e) => e.report.type === 'FILL').length >= 4);
    for (const report of reports) expect(v.safeParse(VenueReportSchema, report).success).toBe(true);
    const fillReports = reports.filter((r) => r.report.type === 'FILL').sort((a, b) => (a.report.fillId < b.report.fillId ? -1 : 1));
    expect(fillReports.map((r) => [r.orderId, r.report.fillId, r.report.price, r.report.quantity, r.report.liquidity, r.report.remaining])).toEqual(
      [
        [id('s1'), `${fills[0]!.tradeId}:${id('s1')}`, '200', '0.4', 'MAKER', '0'],
        [id('b1'), fills[0]!.fillId, '200', '0.4', 'TAKER', '0.2'],
        [id('s2'), `${fills[1]!.tradeId}:${id('s2')}`, '200.01', '0.2', 'MAKER', '0.3'],
        [id('b1'), fills[1]!.fillId, '200.01', '0.2', 'TAKER', '0'],
      ].sort((a, b) => ((a[1] as string) < (b[1] as string) ? -1 : 1)),
    );
    expect(reports.filter((r) => r.orderId === id('b1')).map((r) => [r.version, r.inSubmitAnswer])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(reports.filter((r) => r.orderId !== id('b1')).map((r) => r.inSubmitAnswer)).toEqual([undefined, undefined, undefined, undefined]);

    const tradeIds = fills.map((f) => f.tradeId);
    const feed = await readOurs(topics.priceFeeds, feedFrom, () => true, (es) => tradeIds.every((t) => es.some((e) => e.tradeId === t)));
    const trades = feed.filter((e) => tradeIds.includes(e.tradeId));
    expect(trades.map((t) => [t.eventType, t.symbol, t.price, t.quantity, t.takerSide])).toEqual([
      ['PublicTrade', 'BTC-USD', '200', '0.4', 'BUY'],
      ['PublicTrade', 'BTC-USD', '200.01', '0.2', 'BUY'],
    ]);
    for (const event of feed) expect(v.safeParse(PriceFeedEventSchema, event).success).toBe(true);
    // The level at 200 emptied and 200.01 shrank, each right after its trade, in one per-symbol sequence.
    const afterFirst = feed.find((e) => e.version === trades[0].version + 1);
    expect(afterFirst).toMatchObject({ eventType: 'BookDelta', side: 'SELL', price: '200', quantity: '0', orderCount: 0 });
    const afterSecond = feed.find((e) => e.version === trades[1].version + 1);
    expect(afterSecond).toMatchObject({ eventType: 'BookDelta', side: 'SELL', price: '200.01', quantity: '0.3', orderCount: 1 });

    const book = await venue.request('GET', '/venue/book/BTC-USD?depth=5');
    expect(book.json.asks[0]).toEqual({ price: '200.01', quantity: '0.3', orderCount: 1 });
    expect(book.json.sequence).toBeGreaterThanOrEqual(afterSecond.version);
  });

  it('stops a MARKET order at its protection price (the slippage cap) and keeps that price on the order', async () => {
    // Asks between what earlier tests left (bids up to 100.5, asks from 200.01), so the MARKET buy meets these first.
    for (const [n, price] of [['p1', '100.6'], ['p2', '100.7'], ['p3', '100.8']] as const) expect((await venue.submit(orderBody(id(n), 'pat', 'SELL', price, '0.1'))).json).toMatchObject({ status: 'OPEN' });
    const market = await venue.submit({ ...orderBody(id('pm'), 'quinn', 'BUY', null, '0.3'), timeInForce: 'IOC', protectionPrice: '100.7' });
    expect(market.json).toMatchObject({ status: 'CANCELLED', reason: 'MARKET_REMAINDER', filledQuantity: '0.2', cancelledQuantity: '0.1', protectionPrice: '100.7' });
    expect((market.json.fills as Array<{ price: string }>).map((f) => f.price)).toEqual(['100.6', '100.7']);
    expect((await venue.request('POST', `/venue/orders/${id('p3')}/cancel`)).status).toBe(200);
  });

  it('cancels a resting order and answers a final or unknown one with its status', async () => {
    await venue.submit(orderBody(id('c1'), 'erin', 'BUY', '50', '1'));
    const cancelled = await venue.request('POST', `/venue/orders/${id('c1')}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, json: { status: 'CANCELLED', remaining: '0', cancelledQuantity: '1', reason: 'USER', version: 2 } });
    expect(await venue.request('POST', `/venue/orders/${id('c1')}/cancel`)).toMatchObject({
      status: 409,
      json: { error: { code: 'ORDER_TERMINAL', details: { orderId: id('c1'), status: 'CANCELLED' } } },
    });
    expect(await venue.request('POST', `/venue/orders/${id('never')}/cancel`)).toMatchObject({ status: 404, json: { error: { code: 'ORDER_NOT_FOUND' } } });
    await venue.submit(orderBody(id('g1'), 'erin', 'BUY', '50', '1', { timeInForce: 'GTD' }));
    expect(await venue.request('POST', `/venue/orders/${id('g1')}/cancel`, { reason: 'GTD_EXPIRED' })).toMatchObject({ status: 200, json: { status: 'EXPIRED' } });
    const reports = await readOurs(topics.venueReports, reportsFrom, (e) => [id('c1'), id('g1')].includes(e.orderId), (es) => es.length >= 4);
    expect(reports.sort(byOrderThenVersion).map((r) => [r.orderId, r.version, r.report])).toEqual([
      [id('c1'), 1, { type: 'ACCEPTED' }],
      [id('c1'), 2, { type: 'CANCELLED', reason: 'USER', remaining: '1' }],
      [id('g1'), 1, { type: 'ACCEPTED' }],
      [id('g1'), 2, { type: 'EXPIRED', remaining: '1' }],
    ]);
  });

  it("answers an order's state for reconciliation from what is committed in Mongo", async () => {
    // Between the resting bids (at most 100.5) and asks (200.01 and up) left by the tests before.
    await venue.submit(orderBody(id('r1'), 'frank', 'SELL', '150', '1'));
    await venue.submit(orderBody(id('r2'), 'grace', 'BUY', '150', '0.25', { timeInForce: 'IOC' }));
    const state = await venue.request('GET', `/venue/orders/${id('r1')}`);
    expect(state.json).toMatchObject({ orderId: id('r1'), accountId: 'frank', status: 'PARTIALLY_FILLED', filledQuantity: '0.25', remaining: '0.75', version: 2 });
    expect(state.json.fills).toHaveLength(1);
    expect(await venue.request('GET', `/venue/orders/${id('never')}`)).toMatchObject({ status: 404, json: { error: { code: 'ORDER_NOT_FOUND' } } });

    const mongo = await connectMongo({ url: loadConfig().mongo.url, db: venue.env.MONGO_DB! });
    try {
      // The relay projects a commit into orders and fills after the answer: wait for it (a CI run on a loaded machine
      // read the order at version 1), then check what it wrote.
      const stored = await eventually('the relay to project the fill', async () => {
        const order = await mongo.db.collection(VENUE_COLLECTIONS.orders).findOne({ _id: id('r1') as never });
        const unpublished = await mongo.db.collection(VENUE_COLLECTIONS.outbox).countDocuments({ published: false });
        return order?.version === 2 && unpublished === 0 ? order : undefined;
      });
      expect(stored).toMatchObject({ status: 'PARTIALLY_FILLED', remaining: '0.75', version: 2 });
      const fills = await mongo.db.collection(VENUE_COLLECTIONS.fills).find({ orderId: { $in: [id('r1'), id('r2')] } }).toArray();
      expect(fills.map((f) => f._id as unknown as string).sort()).toEqual([state.json.fills[0].fillId, `${state.json.fills[0].tradeId}:${id('r2')}`].sort());
      expect(await mongo.db.collection(VENUE_COLLECTIONS.outbox).countDocuments({ published: false })).toBe(0);
      // Published commits leave the outbox, but the newest: the next run numbers its commits after it.
      const outbox = mongo.db.collection<{ _id: number; published: boolean }>(VENUE_COLLECTIONS.outbox);
      const kept = await eventually('published commits to leave the outbox', async () => {
        const docs = await outbox.find({}, { projection: { published: 1 } }).toArray();
        return docs.length === 1 ? docs : undefined;
      });
      expect(kept[0]!.published).toBe(true);
      expect(kept[0]!._id).toBeGreaterThan(10);
    } finally {
      await mongo.client.close();
    }
  });

  const valid = orderBody('x', 'alice', 'BUY', '100', '1');
  const cases: Array<[string, string, number, string]> = [
    ['malformed JSON', '{"orderId":', 400, 'MALFORMED_JSON'],
    ['a missing field', JSON.stringify({ ...valid, side: undefined }), 400, 'VALIDATION_FAILED'],
    ['an unknown field', JSON.stringify({ ...valid, leverage: '10' }), 400, 'VALIDATION_FAILED'],
    ['a JSON number quantity', JSON.stringify({ ...valid, quantity: 1 }), 400, 'VALIDATION_FAILED'],
    ['a reserved account', JSON.stringify({ ...valid, accountId: 'venue-liquidity' }), 400, 'VALIDATION_FAILED'],
    ['a bad orderId', JSON.stringify({ ...valid, orderId: 'a b' }), 400, 'VALIDATION_FAILED'],
    ['an exponent', JSON.stringify({ ...valid, quantity: '1e-1' }), 400, 'INVALID_DECIMAL'],
    ['19 decimals', JSON.stringify({ ...valid, quantity: '0.1234567890123456789' }), 400, 'TOO_PRECISE'],
    ['a zero quantity', JSON.stringify({ ...valid, quantity: '0' }), 400, 'VALIDATION_FAILED'],
    ['a quantity off the lot', JSON.stringify({ ...valid, quantity: '0.000000001' }), 400, 'INVALID_QUANTITY_LOT'],
    ['a price off the tick', JSON.stringify({ ...valid, price: '100.001' }), 400, 'INVALID_PRICE_TICK'],
    ['an unknown symbol', JSON.stringify({ ...valid, symbol: 'DOGE-EUR' }), 400, 'UNKNOWN_SYMBOL'],
    ['a LIMIT without price', JSON.stringify({ ...valid, price: null }), 400, 'PRICE_REQUIRED'],
    ['a MARKET with a price', JSON.stringify({ ...valid, type: 'MARKET' }), 400, 'PRICE_NOT_ALLOWED'],
    ['a LIMIT with a protection price', JSON.stringify({ ...valid, protectionPrice: '100' }), 400, 'PRICE_NOT_ALLOWED'],
    ['a protection price off the tick', JSON.stringify({ ...valid, type: 'MARKET', price: null, protectionPrice: '100.001' }), 400, 'INVALID_PRICE_TICK'],
    ['post-only IOC', JSON.stringify({ ...valid, timeInForce: 'IOC', postOnly: true }), 400, 'POST_ONLY_REQUIRES_LIMIT'],
    ["a quantity above the symbol's maximum (BTC-USD: 1000)", JSON.stringify({ ...valid, quantity: '1000.00000001' }), 400, 'QUANTITY_TOO_LARGE'],
    ['a body over 16 KB', JSON.stringify({ ...valid, orderId: 'x'.repeat(17_000) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];

  it.each(cases)('refuses %s', async (_what, raw, status, code) => {
    const answer = await venue.request('POST', '/venue/orders', undefined, raw);
    expect(answer.status).toBe(status);
    expect(answer.json.error).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
  });

  it.each([
    ['GET', '/venue/book/DOGE-EUR', 400, 'UNKNOWN_SYMBOL'],
    ['GET', '/venue/book/BTC-USD?depth=0', 400, 'VALIDATION_FAILED'],
    ['GET', '/venue/book/BTC-USD?level=3', 400, 'VALIDATION_FAILED'],
    ['POST', '/venue/orders/x/cancel?', 404, 'ORDER_NOT_FOUND'],
    // The venue's own liquidity orders (issue 11): no caller may cancel them, whether or not one rests now.
    ['POST', '/venue/orders/venue-liquidity:q1/cancel', 403, 'ORDER_ID_RESERVED'],
    ['POST', '/venue/orders/venue-market-flow:t1/cancel', 403, 'ORDER_ID_RESERVED'],
    ['GET', '/venue/nothing', 404, 'NOT_FOUND'],
  ])('answers %s %s with %d %s', async (method, path, status, code) => {
    expect(await venue.request(method, path)).toMatchObject({ status, json: { error: { code } } });
  });

  it('refuses a bad cancel body', async () => {
    expect(await venue.request('POST', `/venue/orders/${id('c1')}/cancel`, { reason: 'BORED' })).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
  });

  // Last: it restarts the venue.
  it("answers many orders' states at once through VenueClient: from memory, and after a restart from Mongo without taking them into memory", async () => {
    // SOL-USD: a book of its own, away from what the tests before left on BTC-USD.
    const sol = { symbol: 'SOL-USD' };
    const client = new VenueClient({ url: venue.baseUrl, signer: testSigner() });
    const knownOrders = async () => Number(/^oms_venue_known_orders(?:\{[^}]*\})? (\d+)$/m.exec((await fetch(`${venue.baseUrl}/metrics`).then((r) => r.text())))?.[1]);
    expect((await venue.submit(orderBody(id('q1'), 'hank', 'SELL', '20', '1', sol))).json).toMatchObject({ status: 'OPEN' });
    const taker = await venue.submit(orderBody(id('q2'), 'ivy', 'BUY', '20', '0.3', { ...sol, timeInForce: 'IOC' }));
    expect(taker.json).toMatchObject({ status: 'FILLED', filledQuantity: '0.3', version: 2 });
    await venue.submit(orderBody(id('q3'), 'hank', 'BUY', '10', '1', sol));
    const cancelled = await venue.request('POST', `/venue/orders/${id('q3')}/cancel`);
    expect(cancelled.json).toMatchObject({ status: 'CANCELLED', version: 2 });
    const maker = (await venue.request('GET', `/venue/orders/${id('q1')}`)).json;

    const ids = [id('q1'), id('q2'), id('ghost'), id('q1'), id('q3')];
    const live = await client.orderStates(ids);
    expect(live).toEqual({
      orders: [
        { orderId: id('q1'), status: 'PARTIALLY_FILLED', filledQuantity: '0.3', version: 2, updatedAt: maker.updatedAt },
        { orderId: id('q2'), status: 'FILLED', filledQuantity: '0.3', version: 2, updatedAt: taker.json.updatedAt },
        { orderId: id('q3'), status: 'CANCELLED', filledQuantity: '0', version: 2, updatedAt: cancelled.json.updatedAt },
      ],
      missing: [id('ghost')],
    });

    // A restart keeps only the resting orders in memory: q2 and q3 are read from venue_orders, and not kept.
    await venue.proc!.stop();
    await venue.start();
    const before = await knownOrders();
    expect(before).toBeGreaterThan(0);
    expect(await client.orderStates(ids)).toEqual(live);
    expect(await knownOrders()).toBe(before);

    // Only the worker may ask; bad input is refused with the venue's codes; GET of the path still reads an order so named.
    for (const caller of ['risk', 'market-data']) {
      expect(await venue.request('POST', '/venue/orders/states', { orderIds: [id('q1')] }, undefined, { signer: testSigner({ caller }) })).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN' } } });
    }
    expect(await venue.request('POST', '/venue/orders/states', { orderIds: [] })).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await venue.request('POST', '/venue/orders/states', undefined, '{"orderIds":')).toMatchObject({ status: 400, json: { error: { code: 'MALFORMED_JSON' } } });
    expect(await venue.request('GET', '/venue/orders/states')).toMatchObject({ status: 404, json: { error: { code: 'ORDER_NOT_FOUND', details: { orderId: 'states' } } } });
    await expect(client.orderStates(['a b'])).rejects.toThrow(/answered 400/);
  });
});

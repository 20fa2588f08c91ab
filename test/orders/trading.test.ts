import { formatDecimal, parseDecimal } from '../../domain/decimal';
import { publishPrice } from '../harness/prices';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';
import { internalFetch } from '../harness/internal-calls';

jest.setTimeout(90_000);

const d = parseDecimal;
const FEES = 'fees';
const HOUSE = ['venue-liquidity', 'venue-market-flow'];

/**
 * Orders trading through the real venue (replay off: the book holds only what these tests put there), settled
 * through the real risk engine: every number below is exact, fees included (taker 20 bps, maker 10 bps).
 */
describe('trading end to end: venue fills, settlement, fills and balances in the API', () => {
  let system: TestSystem;
  let alice: { accountId: string; apiKey: string };
  let bob: { accountId: string; apiKey: string };

  beforeAll(async () => {
    system = await TestSystem.create('trading');
    alice = await system.createAccount({ USD: '100000', BTC: '2' });
    bob = await system.createAccount({ USD: '100000', BTC: '2' });
    await system.startAll();
  }, 120_000);
  afterAll(() => system?.stop(), 60_000);

  const limit = (side: 'BUY' | 'SELL', quantity: string, price: string, extra: Record<string, unknown> = {}) => ({
    symbol: 'BTC-USD',
    side,
    type: 'LIMIT',
    quantity,
    price,
    timeInForce: 'GTC',
    ...extra,
  });

  async function place(who: { apiKey: string }, body: unknown): Promise<string> {
    const placed = await system.placeOrder(who.apiKey, body);
    expect(placed.status).toBe(202);
    return (placed.json as { orderId: string }).orderId;
  }

  const eventsOf = async (orderId: string) => (await system.orders.events(orderId)).map((e) => e.status);
  const apiBalances = async (who: { apiKey: string }) => {
    const answer = await system.request('GET', '/api/accounts/me/balances', { apiKey: who.apiKey });
    expect(answer.status).toBe(200);
    return Object.fromEntries((answer.json.balances as Array<{ asset: string; total: string; available: string; held: string }>).map((b) => [b.asset, b]));
  };
  const sums = async () => {
    const totals: Record<string, bigint> = {};
    for (const accountId of [alice.accountId, bob.accountId, FEES, ...HOUSE]) {
      for (const [asset, balance] of Object.entries(await system.balances(accountId))) totals[asset] = (totals[asset] ?? 0n) + d(balance.total);
    }
    return totals;
  };

  it('fills a marketable LIMIT BUY against a resting SELL of another account; both settle exactly, fees to the fee account', async () => {
    const before = await sums();
    const sell = await place(bob, limit('SELL', '0.1', '30000'));
    await system.waitForStatus(bob.apiKey, sell, 'ACCEPTED');
    const buy = await place(alice, limit('BUY', '0.1', '30100'));

    // The taker pays the maker's price: 0.1 × 30000 = 3000; taker fee 6 (20 bps), maker fee 3 (10 bps).
    const bought = await system.waitForStatus(alice.apiKey, buy, 'SETTLED');
    expect(bought).toMatchObject({ filledQuantity: '0.1', averagePrice: '30000', fees: '6' });
    const sold = await system.waitForStatus(bob.apiKey, sell, 'SETTLED');
    expect(sold).toMatchObject({ filledQuantity: '0.1', averagePrice: '30000', fees: '3' });
    expect(await eventsOf(buy)).toEqual(['NEW', 'ACCEPTED', 'FILLED', 'SETTLED']);
    expect(await eventsOf(sell)).toEqual(['NEW', 'ACCEPTED', 'FILLED', 'SETTLED']);

    expect(await apiBalances(alice)).toEqual({
      USD: { asset: 'USD', total: '96994', available: '96994', held: '0' },
      BTC: { asset: 'BTC', total: '2.1', available: '2.1', held: '0' },
    });
    expect(await apiBalances(bob)).toEqual({
      USD: { asset: 'USD', total: '102997', available: '102997', held: '0' },
      BTC: { asset: 'BTC', total: '1.9', available: '1.9', held: '0' },
    });
    expect((await system.balances(FEES)).USD?.total).toBe('9');
    expect(await sums()).toEqual(before);

    // Positions from the fill (no mark is published in these tests, so nothing is marked).
    const position = { symbol: 'BTC-USD', averageEntryPrice: '30000', realizedPnl: '0', version: 1, updatedAt: expect.any(String), markPrice: null, unrealizedPnl: null };
    for (const [who, quantity, openCost] of [[alice, '0.1', '3000'], [bob, '-0.1', '-3000']] as const) {
      const positions = await system.request('GET', '/api/accounts/me/positions', { apiKey: who.apiKey });
      expect(positions.status).toBe(200);
      expect(positions.json).toEqual({ accountId: who.accountId, positions: [{ ...position, accountId: who.accountId, quantity, openCost }] });
    }

    // One fill each, with the same trade on both sides.
    const aliceFills = await system.request('GET', `/api/orders/${buy}/fills`, { apiKey: alice.apiKey });
    expect(aliceFills.status).toBe(200);
    expect(aliceFills.json.fills).toEqual([
      expect.objectContaining({ orderId: buy, side: 'BUY', price: '30000', quantity: '0.1', liquidity: 'TAKER', fee: '6', feeAsset: 'USD' }),
    ]);
    const bobFills = await system.request('GET', `/api/orders/${sell}/fills`, { apiKey: bob.apiKey });
    expect(bobFills.json.fills).toEqual([expect.objectContaining({ orderId: sell, side: 'SELL', liquidity: 'MAKER', fee: '3', tradeId: aliceFills.json.fills[0].tradeId })]);
    // Another account's order's fills are not there for the caller.
    expect((await system.request('GET', `/api/orders/${sell}/fills`, { apiKey: alice.apiKey })).status).toBe(404);
  });

  it('fills a resting order partially, then fully, as two orders take it; averagePrice and fees stay exact', async () => {
    const sell = await place(bob, limit('SELL', '0.3', '31000.5'));
    await system.waitForStatus(bob.apiKey, sell, 'ACCEPTED');
    const first = await place(alice, limit('BUY', '0.1', '31000.5', { timeInForce: 'IOC' }));
    await system.waitForStatus(alice.apiKey, first, 'SETTLED');
    const partial = await system.waitForStatus(bob.apiKey, sell, 'PARTIALLY_FILLED');
    expect(partial).toMatchObject({ filledQuantity: '0.1', averagePrice: '31000.5' });

    const second = await place(alice, limit('BUY', '0.2', '31500'));
    await system.waitForStatus(alice.apiKey, second, 'SETTLED');
    const done = await system.waitForStatus(bob.apiKey, sell, 'SETTLED');
    // Maker fees: 3100.05 × 10 bps = 3.10005, 6200.1 × 10 bps = 6.2001.
    expect(done).toMatchObject({ filledQuantity: '0.3', averagePrice: '31000.5', fees: '9.30015' });
    expect(await eventsOf(sell)).toEqual(['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'SETTLED']);

    const listed = await system.request('GET', '/api/fills?limit=2', { apiKey: bob.apiKey });
    expect(listed.status).toBe(200);
    expect(listed.json.fills.map((f: { orderId: string; quantity: string }) => [f.orderId, f.quantity])).toEqual([
      [sell, '0.2'],
      [sell, '0.1'],
    ]);
    const next = await system.request('GET', `/api/fills?limit=2&cursor=${encodeURIComponent(listed.json.nextCursor as string)}`, { apiKey: bob.apiKey });
    expect(next.json.fills.map((f: { quantity: string }) => f.quantity)).toEqual(['0.1']);
    expect(next.json.nextCursor).toBeNull();
    expect((await system.request('GET', '/api/fills?limit=0', { apiKey: bob.apiKey })).json.error.code).toBe('VALIDATION_FAILED');
  });

  it('ends an IOC BUY EXPIRED after its partial fill; the unfilled part of the hold is released', async () => {
    const before = await apiBalances(alice);
    const sell = await place(bob, limit('SELL', '0.05', '30000'));
    await system.waitForStatus(bob.apiKey, sell, 'ACCEPTED');
    const ioc = await place(alice, limit('BUY', '0.1', '30000', { timeInForce: 'IOC' }));
    const expired = await system.waitForStatus(alice.apiKey, ioc, 'EXPIRED');
    expect(expired).toMatchObject({ filledQuantity: '0.05', averagePrice: '30000', fees: '3' });
    expect(await eventsOf(ioc)).toEqual(['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'EXPIRED']);
    const after = await apiBalances(alice);
    expect(d(after.USD!.total)).toBe(d(before.USD!.total) - d('1503'));
    expect(d(after.BTC!.total)).toBe(d(before.BTC!.total) + d('0.05'));
    expect(after.USD!.held).toBe('0');
  });

  it('ends a FOK that cannot fill EXPIRED with nothing filled and nothing held', async () => {
    const before = await apiBalances(alice);
    const fok = await place(alice, limit('BUY', '1', '30000', { timeInForce: 'FOK' }));
    const expired = await system.waitForStatus(alice.apiKey, fok, 'EXPIRED');
    expect(expired).toMatchObject({ filledQuantity: '0', averagePrice: null, fees: '0' });
    expect((await system.request('GET', `/api/orders/${fok}/fills`, { apiKey: alice.apiKey })).json.fills).toEqual([]);
    expect(await apiBalances(alice)).toEqual(before);
  });

  it('expires a GTD order on its durable timer and releases its hold', async () => {
    const before = await apiBalances(alice);
    const expireAt = new Date(Date.now() + 4_000).toISOString();
    const gtd = await place(alice, limit('BUY', '0.01', '20000', { timeInForce: 'GTD', expireAt }));
    await system.waitForStatus(alice.apiKey, gtd, 'ACCEPTED');
    expect((await apiBalances(alice)).USD!.held).toBe('200.4');
    const expired = await system.waitForStatus(alice.apiKey, gtd, 'EXPIRED', 30_000);
    expect(Date.parse(expired.updatedAt as string)).toBeGreaterThanOrEqual(Date.parse(expireAt));
    expect(await apiBalances(alice)).toEqual(before);
    // The venue no longer has it on the book.
    const atVenue = await internalFetch(`${system.venueUrl}/venue/orders/${gtd}`).then((r) => r.json() as Promise<{ status: string }>);
    expect(atVenue.status).toBe('EXPIRED');
  });

  it('answers 503 SERVICE_UNAVAILABLE for balances and positions while the risk engine is down', async () => {
    expect(await system.risk!.stop()).toBe(0);
    for (const path of ['/api/accounts/me/balances', '/api/accounts/me/positions']) {
      const response = await system.request('GET', path, { apiKey: alice.apiKey });
      expect([path, response.status, response.json?.error?.code]).toEqual([path, 503, 'SERVICE_UNAVAILABLE']);
    }
  });
});

/** With the venue's liquidity replay on: the real 2016 market quotes and trades, users trade with it. */
describe('trading against the replayed market', () => {
  let system: TestSystem;
  let alice: { accountId: string; apiKey: string };

  const book = async () => {
    const response = await internalFetch(`${system.venueUrl}/venue/book/BTC-USD?depth=5`);
    return (await response.json()) as { bids: Array<{ price: string }>; asks: Array<{ price: string }> };
  };

  beforeAll(async () => {
    system = await TestSystem.create('replay', { replay: true, env: { VENUE_REPLAY_SPEED: '600' } });
    alice = await system.createAccount({ USD: '100000', BTC: '2' });
    // A MARKET order needs a mark: the mid of the replayed book, published as the market data service would,
    // before the risk engine starts (it finds the mark in Redis at once).
    await system.startVenue();
    const mid = await eventually('the replayed ladder', async () => {
      const { bids, asks } = await book();
      return bids.length > 0 && asks.length > 0 ? (d(bids[0]!.price) + d(asks[0]!.price)) / 2n : undefined;
    });
    await publishPrice('BTC-USD', formatDecimal(mid));
    await Promise.all([system.startRisk(), system.startWorker(), system.startApi()]);
  }, 120_000);
  afterAll(() => system?.stop(), 60_000);
  const everyone = async () => {
    const totals: Record<string, bigint> = {};
    for (const accountId of [alice.accountId, FEES, ...HOUSE]) {
      for (const [asset, balance] of Object.entries(await system.balances(accountId))) totals[asset] = (totals[asset] ?? 0n) + d(balance.total);
    }
    return totals;
  };

  it('fills a MARKET BUY at once against the market maker, whose side is settled too: every asset sum unchanged', async () => {
    await eventually('the replayed ladder', async () => ((await book()).asks.length > 0 ? true : undefined));
    const before = await everyone();
    const placed = await system.placeOrder(alice.apiKey, { symbol: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    expect(placed.status).toBe(202);
    const orderId = placed.json.orderId as string;
    const settled = await system.waitForStatus(alice.apiKey, orderId, 'SETTLED');
    expect(settled.filledQuantity).toBe('0.01');
    const fills = (await system.request('GET', `/api/orders/${orderId}/fills`, { apiKey: alice.apiKey })).json.fills as Array<{ price: string; quantity: string; liquidity: string; fee: string }>;
    expect(fills.length).toBeGreaterThan(0);
    expect(fills.every((f) => f.liquidity === 'TAKER' && d(f.price) > d('500') && d(f.price) < d('700'))).toBe(true);
    expect(formatDecimal(fills.reduce((sum, f) => sum + d(f.quantity), 0n))).toBe('0.01');
    expect((await everyone())).toEqual(before);
    const liquidity = await system.balances('venue-liquidity');
    expect(d(liquidity.BTC!.total)).toBe(d('10000000') - d('0.01'));
  });

  it('fills a resting BUY as the replayed market trades down through it, then settles it', async () => {
    // Inside the spread and post-only, so it rests as the best bid; if the price moved meanwhile the venue refuses
    // it (post-only would take; the order ends CANCELLED) and the test tries again at the new price.
    const quantity = '1';
    const orderId = await eventually(
      'a post-only buy to rest inside the spread',
      async () => {
        const { bids, asks } = await book();
        if (bids.length === 0 || asks.length === 0 || d(asks[0]!.price) - d(bids[0]!.price) < d('0.02')) return undefined;
        const price = formatDecimal(d(bids[0]!.price) + d('0.01'));
        const placed = await system.placeOrder(alice.apiKey, { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity, price, postOnly: true });
        const id = placed.json.orderId as string;
        // The venue's answer decides: OPEN (resting) or REJECTED (post-only would have taken).
        const atVenue = await eventually(`order ${id} at the venue`, async () => {
          const response = await internalFetch(`${system.venueUrl}/venue/orders/${id}`);
          return response.status === 200 ? ((await response.json()) as { status: string }) : undefined;
        });
        return atVenue.status === 'REJECTED' ? undefined : id;
      },
      30_000,
      200,
    );
    const settled = await system.waitForStatus(alice.apiKey, orderId, 'SETTLED', 60_000);
    const fills = (await system.request('GET', `/api/orders/${orderId}/fills`, { apiKey: alice.apiKey })).json.fills as Array<{ price: string; quantity: string; liquidity: string; fee: string }>;
    expect(fills.every((f) => f.liquidity === 'MAKER')).toBe(true);
    expect(formatDecimal(fills.reduce((sum, f) => sum + d(f.quantity), 0n))).toBe(quantity);
    expect(settled.fees).toBe(formatDecimal(fills.reduce((sum, f) => sum + d(f.fee), 0n)));
    // One PARTIALLY_FILLED per fill before the last: the replay decides how many fills it takes.
    expect(await (async () => (await system.orders.events(orderId)).map((e) => e.status))()).toEqual([
      'NEW',
      'ACCEPTED',
      ...fills.slice(1).map(() => 'PARTIALLY_FILLED'),
      'FILLED',
      'SETTLED',
    ]);
    expect((await system.balances(alice.accountId)).USD?.held).toBe('0');
  });
});

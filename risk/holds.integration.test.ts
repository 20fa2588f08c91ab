import { parseDecimal } from '../domain/decimal';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { RiskTestApp } from '../test/harness/risk-test-app';

const d = parseDecimal;

describe('risk engine holds (real store)', () => {
  let risk: RiskTestApp;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
  });
  afterAll(async () => {
    await risk?.stop();
  });

  const order = (accountId: string, terms: { side?: string; type?: string; quantity: string; price: string | null; symbol?: string }) => ({
    accountId,
    symbol: terms.symbol ?? 'BTC-USD',
    side: terms.side ?? 'BUY',
    type: terms.type ?? 'LIMIT',
    quantity: terms.quantity,
    price: terms.price,
  });

  function expectRefusal(response: { status: number; json: any }, code: string, details?: Record<string, unknown>) {
    expect(response.status).toBe(422);
    expect(response.json.error).toMatchObject({ code, ...(details === undefined ? {} : { details }) });
  }

  it('holds price × quantity plus the taker fee for a buy, and the quantity for a sell', async () => {
    const accountId = await risk.createAccount('sizes', { USD: '100000', BTC: '1' });
    expect((await risk.hold('o-buy', order(accountId, { quantity: '0.5', price: '30000.01' }))).json).toEqual({
      orderId: 'o-buy',
      asset: 'USD',
      amount: '15030.00501',
      alreadyHeld: false,
      protectionPrice: null,
    });
    expect((await risk.hold('o-sell', order(accountId, { side: 'SELL', quantity: '0.25', price: '31000' }))).json).toMatchObject({ asset: 'BTC', amount: '0.25' });
    expect(await risk.balances(accountId)).toEqual({
      BTC: { total: '1', available: '0.75', held: '0.25' },
      USD: { total: '100000', available: '84969.99499', held: '15030.00501' },
    });
  });

  it("uses the account's own taker rate to size a buy hold", async () => {
    const accountId = await risk.createAccount('own-rate', { USD: '1000' }, { fees: { makerBps: 0, takerBps: 50 } });
    expect((await risk.hold('o-1', order(accountId, { quantity: '0.01', price: '10000' }))).json).toMatchObject({ amount: '100.5' });
  });

  it('holds once per orderId: a repeat answers the same hold and changes nothing', async () => {
    const accountId = await risk.createAccount('idem', { USD: '1000' });
    const body = order(accountId, { quantity: '0.01', price: '10000' });
    await risk.hold('o-1', body);
    const before = await risk.balances(accountId);
    const repeats = await Promise.all([risk.hold('o-1', body), risk.hold('o-1', body)]);
    for (const repeat of repeats) expect(repeat).toMatchObject({ status: 200, json: { orderId: 'o-1', asset: 'USD', amount: '100.2', alreadyHeld: true } });
    expect(await risk.balances(accountId)).toEqual(before);
  });

  it('lets exactly 30 of 50 concurrent holds succeed against a balance that covers 30', async () => {
    // Each hold is 100 + 0.2 taker fee; 30 × 100.2 = 3006.
    const accountId = await risk.createAccount('race', { USD: '3006' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => risk.hold(`o-${i}`, order(accountId, { quantity: '0.01', price: '10000' }))),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(30);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(20);
    for (const r of refused) expectRefusal(r, 'INSUFFICIENT_BALANCE', { asset: 'USD', available: '0', required: '100.2' });
    expect(await risk.balances(accountId)).toEqual({ USD: { total: '3006', available: '0', held: '3006' } });
    expect(Object.keys((await risk.store.getAccount(accountId))!.holds)).toHaveLength(30);
  });

  it('refuses INSUFFICIENT_BALANCE when the fee does not fit, and changes nothing', async () => {
    const accountId = await risk.createAccount('poor', { USD: '100.19', BTC: '0.5' });
    expectRefusal(await risk.hold('o-1', order(accountId, { quantity: '0.01', price: '10000' })), 'INSUFFICIENT_BALANCE', {
      asset: 'USD',
      available: '100.19',
      required: '100.2',
    });
    expectRefusal(await risk.hold('o-2', order(accountId, { side: 'SELL', quantity: '0.50000001', price: '10000' })), 'INSUFFICIENT_BALANCE', {
      asset: 'BTC',
      required: '0.50000001',
    });
    expect(await risk.balances(accountId)).toEqual({ BTC: { total: '0.5', available: '0.5', held: '0' }, USD: { total: '100.19', available: '100.19', held: '0' } });
    expect((await risk.store.getAccount(accountId))!.holds).toEqual({});
  });

  it('refuses MAX_ORDER_NOTIONAL_EXCEEDED above 1,000,000 by default or the account limit', async () => {
    const rich = await risk.createAccount('rich', { USD: '5000000', BTC: '60' });
    expectRefusal(await risk.hold('o-1', order(rich, { quantity: '40', price: '25000.01' })), 'MAX_ORDER_NOTIONAL_EXCEEDED', {
      notional: '1000000.4',
      maxOrderNotional: '1000000',
    });
    expectRefusal(await risk.hold('o-2', order(rich, { side: 'SELL', quantity: '50', price: '20000.01' })), 'MAX_ORDER_NOTIONAL_EXCEEDED');
    expect((await risk.hold('o-3', order(rich, { quantity: '40', price: '25000' }))).status).toBe(200);

    const capped = await risk.createAccount('capped', { USD: '5000' }, { limits: { maxOrderNotional: d('1000') } });
    expectRefusal(await risk.hold('o-1', order(capped, { quantity: '0.1', price: '10000.01' })), 'MAX_ORDER_NOTIONAL_EXCEEDED', { maxOrderNotional: '1000' });
    await risk.store.setRiskLimits(capped, {});
    expect((await risk.hold('o-1', order(capped, { quantity: '0.1', price: '10000.01' }))).status).toBe(200);
  });

  it('refuses MAX_OPEN_ORDERS_EXCEEDED at the account limit; a release makes room', async () => {
    const accountId = await risk.createAccount('busy', { USD: '10000' }, { limits: { maxOpenOrders: 2 } });
    const body = order(accountId, { quantity: '0.01', price: '10000' });
    expect((await risk.hold('o-1', body)).status).toBe(200);
    expect((await risk.hold('o-2', body)).status).toBe(200);
    expectRefusal(await risk.hold('o-3', body), 'MAX_OPEN_ORDERS_EXCEEDED', { openOrders: 2, maxOpenOrders: 2 });
    // A repeat of a held order is still answered, not refused.
    expect((await risk.hold('o-2', body)).json).toMatchObject({ alreadyHeld: true });
    await risk.release('o-1', accountId);
    expect((await risk.hold('o-3', body)).status).toBe(200);
  });

  it("refuses MAX_POSITION_EXCEEDED counting the base total and open buys' unfilled quantity", async () => {
    const accountId = await risk.createAccount('whale', { USD: '10000000', BTC: '99' });
    expect((await risk.hold('o-1', order(accountId, { quantity: '0.5', price: '10000' }))).status).toBe(200);
    expectRefusal(await risk.hold('o-2', order(accountId, { quantity: '0.50000001', price: '10000' })), 'MAX_POSITION_EXCEEDED', {
      symbol: 'BTC-USD',
      position: '99.5',
      maxPosition: '100',
    });
    // Sells never grow the position; other symbols have their own.
    expect((await risk.hold('o-3', order(accountId, { side: 'SELL', quantity: '50', price: '10000' }))).status).toBe(200);
    expect((await risk.hold('o-4', order(accountId, { symbol: 'ETH-USD', quantity: '99', price: '1000' }))).status).toBe(200);

    await risk.store.setRiskLimits(accountId, { maxPositionBySymbol: { 'BTC-USD': d('200') } });
    expect((await risk.hold('o-2', order(accountId, { quantity: '0.50000001', price: '10000' }))).status).toBe(200);
  });

  it('refuses SYMBOL_HALTED for a halted symbol', async () => {
    const halted = new SymbolRegistry(DEFAULT_SYMBOLS.map((spec) => (spec.symbol === 'BTC-USD' ? { ...spec, status: 'HALTED' as const } : spec)));
    const accountId = await risk.createAccount('halted', { USD: '1000' });
    expectRefusal(await risk.hold('o-1', order(accountId, { quantity: '0.01', price: '10000' }), risk.appWith(halted)), 'SYMBOL_HALTED', { symbol: 'BTC-USD' });
    expect(await risk.balances(accountId)).toEqual({ USD: { total: '1000', available: '1000', held: '0' } });
  });

  // With a mark: market-prices.integration.test.ts.
  it('refuses MARKET_DATA_UNAVAILABLE for a MARKET buy or sell while no mark is known, and holds nothing', async () => {
    const accountId = await risk.createAccount('market', { USD: '10000', BTC: '1' });
    expectRefusal(await risk.hold('o-1', order(accountId, { type: 'MARKET', quantity: '0.1', price: null })), 'MARKET_DATA_UNAVAILABLE', { symbol: 'BTC-USD' });
    expectRefusal(await risk.hold('o-2', order(accountId, { side: 'SELL', type: 'MARKET', quantity: '0.1', price: null })), 'MARKET_DATA_UNAVAILABLE', { symbol: 'BTC-USD' });
    expect(await risk.balances(accountId)).toEqual({ BTC: { total: '1', available: '1', held: '0' }, USD: { total: '10000', available: '10000', held: '0' } });
  });
});

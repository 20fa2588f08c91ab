import { VENUE_LIQUIDITY_ACCOUNT_ID } from '../domain/venue-events';
import { ensureVenueHouseAccounts } from './house-accounts';
import { priceUpdate } from '../test/harness/prices';
import { RiskTestApp } from '../test/harness/risk-test-app';

/*
 * Money only moves through fills the venue made (issue 11): a settlement must belong to an order the engine holds
 * funds for, for that account, symbol and side, on the symbol's grid, within the order's limit (or MARKET protection
 * price) and within what the order has open and held. Anything else is a 4xx with a stable code and moves nothing.
 */
describe('risk engine settlement guards (real store)', () => {
  let risk: RiskTestApp;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
    await ensureVenueHouseAccounts(risk.store);
  });
  afterAll(async () => {
    await risk?.stop();
  });

  const limit = (accountId: string, side: 'BUY' | 'SELL', quantity: string, price: string) => ({ accountId, symbol: 'BTC-USD', side, type: 'LIMIT', quantity, price });
  const fill = (accountId: string, fillId: string, side: 'BUY' | 'SELL', quantity: string, price: string, extra: Record<string, unknown> = {}) => ({
    fillId,
    accountId,
    symbol: 'BTC-USD',
    side,
    quantity,
    price,
    liquidity: 'MAKER',
    ...extra,
  });

  /** Every balance of the account, its fee account's and the venue's, for a before/after "nothing moved". */
  const snapshot = async (accountId: string) => ({
    account: await risk.balances(accountId),
    fees: await risk.balances(risk.fees),
    venue: await risk.balances(VENUE_LIQUIDITY_ACCOUNT_ID),
  });

  it('refuses the fill that credited about 1e12 USD to an account with no order (FILL_NOT_HELD), and moves nothing', async () => {
    const alice = await risk.createAccount('alice', { USD: '100000', BTC: '1' });
    const before = await snapshot(alice);
    const response = await risk.fill('a', {
      fillId: 'a',
      accountId: alice,
      symbol: 'BTC-USD',
      side: 'SELL',
      quantity: '0.00000001',
      price: '99999999999999999999',
      liquidity: 'MAKER',
    });
    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('FILL_NOT_HELD');
    expect(await snapshot(alice)).toEqual(before);
  });

  it('refuses fills a real SELL order could not have made: off the grid, beyond its limit, beyond what is open, another side, symbol or account', async () => {
    const bob = await risk.createAccount('bob', { BTC: '1' });
    expect((await risk.hold('o-bob', limit(bob, 'SELL', '0.5', '30000'))).status).toBe(200);
    const before = await snapshot(bob);
    const expectRefused = async (body: Record<string, unknown>, status: number, code: string) => {
      const response = await risk.fill('o-bob', body);
      expect({ status: response.status, code: response.json?.error?.code }).toEqual({ status, code });
      expect(await snapshot(bob)).toEqual(before);
    };
    // BTC-USD: tick 0.01, lot 0.00000001
    await expectRefused(fill(bob, 'f1', 'SELL', '0.1', '30000.001'), 400, 'INVALID_PRICE_TICK');
    await expectRefused(fill(bob, 'f1', 'SELL', '0.000000001', '30000'), 400, 'INVALID_QUANTITY_LOT');
    await expectRefused(fill(bob, 'f1', 'SELL', '0.1', '29999.99'), 409, 'FILL_PRICE_BEYOND_LIMIT');
    await expectRefused(fill(bob, 'f1', 'SELL', '0.50000001', '30000'), 409, 'OVERFILL');
    await expectRefused(fill(bob, 'f1', 'BUY', '0.1', '30000'), 409, 'FILL_MISMATCH');
    await expectRefused({ ...fill(bob, 'f1', 'SELL', '0.1', '3000'), symbol: 'ETH-USD' }, 409, 'FILL_MISMATCH');
    // Another account naming bob's order: the hold is bob's, so the other account holds nothing for it.
    const mallory = await risk.createAccount('mallory', { BTC: '1' });
    const response = await risk.fill('o-bob', fill(mallory, 'f1', 'SELL', '0.1', '30000'));
    expect({ status: response.status, code: response.json.error.code }).toEqual({ status: 409, code: 'FILL_NOT_HELD' });
    expect(await risk.balances(mallory)).toEqual({ BTC: { total: '1', available: '1', held: '0' } });

    // A fill the order could have made settles; the rest of the order can still fill, and not one lot more.
    expect((await risk.fill('o-bob', fill(bob, 'f2', 'SELL', '0.3', '30000.5'))).status).toBe(200);
    expect((await risk.fill('o-bob', fill(bob, 'f3', 'SELL', '0.20000001', '30000'))).json.error.code).toBe('OVERFILL');
    expect((await risk.fill('o-bob', fill(bob, 'f3', 'SELL', '0.2', '30000'))).status).toBe(200);
    expect((await risk.fill('o-bob', fill(bob, 'f4', 'SELL', '0.00000001', '30000'))).json.error.code).toBe('OVERFILL');
    expect((await risk.balances(bob)).BTC).toEqual({ total: '0.5', available: '0.5', held: '0' });
  });

  it('bounds a BUY by its limit price and its open quantity', async () => {
    const carol = await risk.createAccount('carol', { USD: '100000' });
    expect((await risk.hold('o-carol', limit(carol, 'BUY', '1', '30000'))).status).toBe(200);
    const before = await snapshot(carol);
    expect((await risk.fill('o-carol', fill(carol, 'f1', 'BUY', '0.5', '30000.01'))).json.error.code).toBe('FILL_PRICE_BEYOND_LIMIT');
    expect((await risk.fill('o-carol', fill(carol, 'f1', 'BUY', '1.00000001', '29000'))).json.error.code).toBe('OVERFILL');
    expect(await snapshot(carol)).toEqual(before);
    expect((await risk.fill('o-carol', fill(carol, 'f1', 'BUY', '1', '29000'))).status).toBe(200);
  });

  it("bounds a MARKET order's fills by its protection price", async () => {
    risk.prices.apply(priceUpdate('BTC-USD', '30000'));
    const dave = await risk.createAccount('dave', { USD: '100000' });
    const held = await risk.hold('o-dave', { accountId: dave, symbol: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '1', price: null });
    expect(held.status).toBe(200);
    const protection = held.json.protectionPrice as string;
    const above = (Number(protection) + 0.01).toFixed(2);
    expect((await risk.fill('o-dave', fill(dave, 'f1', 'BUY', '1', above))).json.error.code).toBe('FILL_PRICE_BEYOND_LIMIT');
    expect((await risk.fill('o-dave', fill(dave, 'f1', 'BUY', '1', protection))).status).toBe(200);
  });

  it("settles the venue's side only as the mirror of a settled fill that names it, once", async () => {
    const erin = await risk.createAccount('erin', { USD: '100000' });
    await risk.hold('o-erin', limit(erin, 'BUY', '0.1', '30000'));
    const contra = { accountId: VENUE_LIQUIDITY_ACCOUNT_ID, orderId: 'venue-7' };
    const venueBefore = await risk.balances(VENUE_LIQUIDITY_ACCOUNT_ID);
    const house = (extra: Record<string, unknown> = {}) => ({
      ...fill(VENUE_LIQUIDITY_ACCOUNT_ID, 't-1:venue-7', 'SELL', '0.1', '30000'),
      liquidity: 'MAKER',
      contra: { accountId: erin, orderId: 'o-erin' },
      ...extra,
    });
    // Before the user's side is settled there is nothing to mirror.
    expect((await risk.fill('venue-7', house())).json.error.code).toBe('FILL_NOT_HELD');
    expect((await risk.fill('o-erin', { ...fill(erin, 't-1:o-erin', 'BUY', '0.1', '30000'), liquidity: 'TAKER', contra })).status).toBe(200);
    // Other terms than the user's fill, another house order, no contra, or a made-up trade: refused.
    expect((await risk.fill('venue-7', house({ price: '1000000' }))).json.error.code).toBe('FILL_NOT_HELD');
    expect((await risk.fill('venue-7', house({ quantity: '0.2' }))).json.error.code).toBe('FILL_NOT_HELD');
    expect((await risk.fill('venue-8', house({ fillId: 't-1:venue-8' }))).json.error.code).toBe('FILL_NOT_HELD');
    expect((await risk.fill('venue-7', house({ contra: undefined }))).json.error.code).toBe('FILL_NOT_HELD');
    expect((await risk.fill('venue-7', house({ fillId: 't-2:venue-7' }))).json.error.code).toBe('FILL_NOT_HELD');
    expect(await risk.balances(VENUE_LIQUIDITY_ACCOUNT_ID)).toEqual(venueBefore);
    // The mirror settles once; a repeat changes nothing.
    expect((await risk.fill('venue-7', house())).json).toMatchObject({ applied: true });
    expect((await risk.fill('venue-7', house())).json).toMatchObject({ applied: false });
    const venue = await risk.balances(VENUE_LIQUIDITY_ACCOUNT_ID);
    expect(venue.USD!.total).toBe(String(Number(venueBefore.USD!.total) + 3000));
  });
});

describe('risk engine: a MARKET order meets the minimum notional at the mark (real store)', () => {
  let risk: RiskTestApp;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
  });
  afterAll(async () => {
    await risk?.stop();
  });

  it('refuses NOTIONAL_TOO_SMALL for a dust MARKET buy or sell (BTC-USD minimum 1 USD) and holds nothing; at the minimum it holds', async () => {
    risk.prices.apply(priceUpdate('BTC-USD', '30000'));
    const accountId = await risk.createAccount('dust', { USD: '1000', BTC: '1' });
    const market = (side: 'BUY' | 'SELL', quantity: string) => ({ accountId, symbol: 'BTC-USD', side, type: 'MARKET', quantity, price: null });
    for (const side of ['BUY', 'SELL'] as const) {
      // 0.00003 × 30000 = 0.9 USD
      const response = await risk.hold(`o-dust-${side}`, market(side, '0.00003'));
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ code: 'NOTIONAL_TOO_SMALL', details: { mark: '30000', minNotional: '1', notional: '0.9' } });
    }
    expect(await risk.balances(accountId)).toEqual({ BTC: { total: '1', available: '1', held: '0' }, USD: { total: '1000', available: '1000', held: '0' } });
    // 0.00004 × 30000 = 1.2 USD
    expect((await risk.hold('o-ok', market('SELL', '0.00004'))).status).toBe(200);
  });
});

import { testSigner } from '../test/harness/internal-calls';
import { VenueClient } from '../infra/http/venue-client';
import { RiskTestApp } from '../test/harness/risk-test-app';
import { orderBody, VenueTestProcess } from '../test/harness/venue-test-process';

jest.setTimeout(60_000);

/*
 * A release frees funds only for an order that can trade no more (issue 11): the risk engine asks the venue, which
 * makes the fills, instead of taking the caller's word. Real venue process, real store.
 */
describe('risk engine release asks the venue (real venue, real store)', () => {
  let venue: VenueTestProcess;
  let risk: RiskTestApp;

  beforeAll(async () => {
    venue = await VenueTestProcess.create('release');
    await venue.start();
    risk = await RiskTestApp.start({ venueOrders: new VenueClient({ url: venue.baseUrl, signer: testSigner({ caller: 'risk' }) }) });
  }, 120_000);
  afterAll(async () => {
    await risk?.stop();
    await venue?.dispose();
  }, 60_000);

  const limit = (accountId: string, side: 'BUY' | 'SELL', quantity: string, price: string) => ({ accountId, symbol: 'BTC-USD', side, type: 'LIMIT', quantity, price });

  it('keeps the hold of an order still open at the venue (409 ORDER_NOT_TERMINAL) and releases it once the venue cancelled it', async () => {
    const alice = await risk.createAccount('alice', { USD: '1000' });
    expect((await risk.hold('o-open', limit(alice, 'BUY', '0.1', '100'))).status).toBe(200);
    expect((await venue.submit(orderBody('o-open', alice, 'BUY', '100', '0.1'))).json).toMatchObject({ status: 'OPEN' });
    const held = await risk.balances(alice);
    expect(held.USD).toEqual({ total: '1000', available: '989.98', held: '10.02' });

    const refused = await risk.release('o-open', alice);
    expect(refused).toMatchObject({ status: 409, json: { error: { code: 'ORDER_NOT_TERMINAL', details: { venueStatus: 'OPEN' } } } });
    expect(await risk.balances(alice)).toEqual(held);

    expect((await venue.request('POST', '/venue/orders/o-open/cancel')).json).toMatchObject({ status: 'CANCELLED' });
    expect(await risk.release('o-open', alice)).toMatchObject({ status: 200, json: { released: true, asset: 'USD', amount: '10.02' } });
    expect((await risk.balances(alice)).USD).toEqual({ total: '1000', available: '1000', held: '0' });
  });

  it('keeps the hold of an order the venue filled until each of its fills is settled here', async () => {
    const bob = await risk.createAccount('bob', { BTC: '1' });
    const carol = await risk.createAccount('carol', { USD: '1000' });
    await risk.hold('o-bob', limit(bob, 'SELL', '0.1', '200'));
    await risk.hold('o-carol', limit(carol, 'BUY', '0.1', '200'));
    await venue.submit(orderBody('o-bob', bob, 'SELL', '200', '0.1'));
    const taker = await venue.submit(orderBody('o-carol', carol, 'BUY', '200', '0.1'));
    expect(taker.json).toMatchObject({ status: 'FILLED' });

    const [bobFill] = (await venue.request('GET', '/venue/orders/o-bob')).json.fills as Array<{ fillId: string; price: string; quantity: string; liquidity: string }>;
    const refused = await risk.release('o-bob', bob);
    expect(refused).toMatchObject({ status: 409, json: { error: { code: 'ORDER_NOT_TERMINAL', details: { venueStatus: 'FILLED', unsettledFillId: bobFill!.fillId } } } });
    const settled = await risk.fill('o-bob', { fillId: bobFill!.fillId, accountId: bob, symbol: 'BTC-USD', side: 'SELL', quantity: bobFill!.quantity, price: bobFill!.price, liquidity: bobFill!.liquidity });
    expect(settled.status).toBe(200);
    expect(await risk.release('o-bob', bob)).toMatchObject({ status: 200, json: { released: true } });
    expect((await risk.balances(bob)).BTC).toEqual({ total: '0.9', available: '0.9', held: '0' });
  });

  it('releases the hold of an order the venue never saw (it was cancelled before it got there)', async () => {
    const dave = await risk.createAccount('dave', { USD: '1000' });
    await risk.hold('o-never', limit(dave, 'BUY', '0.1', '100'));
    expect(await risk.release('o-never', dave)).toMatchObject({ status: 200, json: { released: true, amount: '10.02' } });
  });

  it('answers 503 when the venue cannot be asked, and keeps the hold', async () => {
    const erin = await risk.createAccount('erin', { USD: '1000' });
    await risk.hold('o-unasked', limit(erin, 'BUY', '0.1', '100'));
    const unreachable = risk.appWith(risk.symbols, { venueOrders: new VenueClient({ url: 'http://127.0.0.1:1', signer: testSigner({ caller: 'risk' }) }) });
    expect(await risk.release('o-unasked', erin, unreachable)).toMatchObject({ status: 503, json: { error: { code: 'SERVICE_UNAVAILABLE' } } });
    expect((await risk.balances(erin)).USD).toMatchObject({ held: '10.02' });
  });

  it('answers released: false for an order that holds nothing here, whether the venue is down or still has it open; 404 for no account', async () => {
    const frank = await risk.createAccount('frank', { USD: '1000' });
    const unreachable = risk.appWith(risk.symbols, { venueOrders: new VenueClient({ url: 'http://127.0.0.1:1', signer: testSigner({ caller: 'risk' }) }) });
    expect(await risk.release('o-held-nowhere', frank, unreachable)).toMatchObject({ status: 200, json: { released: false } });

    // Open at the venue, but it never held anything here (no risk check placed a hold): nothing to keep.
    expect((await venue.submit(orderBody('o-open-elsewhere', frank, 'BUY', '100', '0.1'))).json).toMatchObject({ status: 'OPEN' });
    expect(await risk.release('o-open-elsewhere', frank)).toMatchObject({ status: 200, json: { released: false } });
    expect((await venue.request('POST', '/venue/orders/o-open-elsewhere/cancel')).json).toMatchObject({ status: 'CANCELLED' });

    expect(await risk.release('o-held-nowhere', 'no-such-account', unreachable)).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
    expect(await risk.release('o-never-held', 'no-such-account')).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
  });
});

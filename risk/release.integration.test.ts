import { randomUUID } from 'node:crypto';
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

  describe('a fill settled with release: true (the fill that completes the order)', () => {
    type VenueFill = { fillId: string; price: string; quantity: string; liquidity: string };
    const venueFills = async (orderId: string) => (await venue.request('GET', `/venue/orders/${orderId}`)).json.fills as VenueFill[];
    const fillBody = (accountId: string, side: 'BUY' | 'SELL', fill: VenueFill, extra: Record<string, unknown> = {}) => ({
      fillId: fill.fillId,
      accountId,
      symbol: 'BTC-USD',
      side,
      quantity: fill.quantity,
      price: fill.price,
      liquidity: fill.liquidity,
      ...extra,
    });
    const versionOf = async (accountId: string) => (await risk.db.collection('accounts').findOne({ _id: accountId as never }))?.version as number;

    it('settles and releases in one write of the account when the venue has the order final; a repeat changes nothing', async () => {
      const maker = await risk.createAccount('maker', { BTC: '1' });
      const taker = await risk.createAccount('taker', { USD: '1000' });
      await risk.hold('o-maker', limit(maker, 'SELL', '0.1', '250'));
      await risk.hold('o-taker', limit(taker, 'BUY', '0.1', '260'));
      await venue.submit(orderBody('o-maker', maker, 'SELL', '250', '0.1'));
      expect((await venue.submit(orderBody('o-taker', taker, 'BUY', '260', '0.1'))).json).toMatchObject({ status: 'FILLED' });
      const [fill] = await venueFills('o-taker');

      const before = await versionOf(taker);
      const settled = await risk.fill('o-taker', fillBody(taker, 'BUY', fill!, { release: true }));
      expect(settled).toMatchObject({ status: 200, json: { applied: true, release: { released: true, asset: 'USD' } } });
      // The fill at 250 cost 25 + its taker fee; the rest of the hold (placed at 260) is available again, nothing held.
      expect((await risk.balances(taker)).USD).toMatchObject({ held: '0', total: (await risk.balances(taker)).USD!.available });
      expect(await versionOf(taker)).toBe(before + 1);

      const repeat = await risk.fill('o-taker', fillBody(taker, 'BUY', fill!, { release: true }));
      expect(repeat).toMatchObject({ status: 200, json: { applied: false, fee: settled.json.fee, release: { released: false } } });
      expect(await versionOf(taker)).toBe(before + 1);

      // The maker's side, the same way.
      expect(await risk.fill('o-maker', fillBody(maker, 'SELL', fill!, { fillId: (await venueFills('o-maker'))[0]!.fillId, liquidity: 'MAKER', release: true }))).toMatchObject({
        status: 200,
        json: { applied: true, release: { released: true, asset: 'BTC', amount: '0' } },
      });
      expect((await risk.balances(maker)).BTC).toEqual({ total: '0.9', available: '0.9', held: '0' });
    });

    it('settles a fill of an order still open at the venue and answers the release refused (409), keeping what is held for the rest', async () => {
      const seller = await risk.createAccount('seller', { BTC: '1' });
      const buyer = await risk.createAccount('buyer', { USD: '1000' });
      await risk.hold('o-partly', limit(seller, 'SELL', '0.2', '300'));
      await venue.submit(orderBody('o-partly', seller, 'SELL', '300', '0.2'));
      await venue.submit(orderBody('o-part-taker', buyer, 'BUY', '300', '0.1'));
      const [fill] = await venueFills('o-partly');

      const settled = await risk.fill('o-partly', fillBody(seller, 'SELL', fill!, { release: true }));
      expect(settled).toMatchObject({
        status: 200,
        json: { applied: true, release: { released: false, status: 409, error: { code: 'ORDER_NOT_TERMINAL', details: { venueStatus: 'PARTIALLY_FILLED' } } } },
      });
      expect((await risk.balances(seller)).BTC).toEqual({ total: '0.9', available: '0.8', held: '0.1' });
      await venue.request('POST', '/venue/orders/o-partly/cancel');
    });

    it('settles nothing while the venue cannot be asked (503), nor a fill of an order it never saw (409 FILL_NOT_AT_VENUE); the release then frees the hold', async () => {
      const gina = await risk.createAccount('gina', { USD: '1000' });
      await risk.hold('o-gina', limit(gina, 'BUY', '0.1', '100'));
      const before = await risk.balances(gina);
      const unreachable = risk.appWith(risk.symbols, { venueOrders: new VenueClient({ url: 'http://127.0.0.1:1', signer: testSigner({ caller: 'risk' }) }) });
      const fill = { fillId: 't-gina:o-gina', price: '90', quantity: '0.1', liquidity: 'TAKER' };
      expect(await risk.fill('o-gina', fillBody(gina, 'BUY', fill, { release: true }), unreachable)).toMatchObject({ status: 503, json: { error: { code: 'SERVICE_UNAVAILABLE', details: { fillId: fill.fillId } } } });
      expect(await risk.balances(gina)).toEqual(before);
      // The venue never saw o-gina: this fill was handed in by the test, not made there.
      const forged = await risk.fill('o-gina', fillBody(gina, 'BUY', fill, { release: true }));
      expect(forged).toMatchObject({ status: 409, json: { error: { code: 'FILL_NOT_AT_VENUE', details: { problem: 'the venue has no order o-gina' } } } });
      expect(await risk.balances(gina)).toEqual(before);
      expect(await risk.release('o-gina', gina)).toMatchObject({ status: 200, json: { released: true } });
      expect((await risk.balances(gina)).USD!.held).toBe('0');
    });

    it('keeps the hold while another fill of the order at the venue is not settled here (409 with that fill), and releases with the last one', async () => {
      const hank = await risk.createAccount('hank', { BTC: '1' });
      const buyer = await risk.createAccount('buyer', { USD: '1000' });
      await risk.hold('o-hank', limit(hank, 'SELL', '0.2', '400'));
      await venue.submit(orderBody('o-hank', hank, 'SELL', '400', '0.2'));
      await venue.submit(orderBody('o-hank-b1', buyer, 'BUY', '400', '0.1'));
      await venue.submit(orderBody('o-hank-b2', buyer, 'BUY', '400', '0.1'));
      const [first, second] = await venueFills('o-hank');

      const early = await risk.fill('o-hank', fillBody(hank, 'SELL', second!, { release: true }));
      expect(early).toMatchObject({ status: 200, json: { applied: true, release: { status: 409, error: { code: 'ORDER_NOT_TERMINAL', details: { unsettledFillId: first!.fillId } } } } });
      expect((await risk.balances(hank)).BTC).toMatchObject({ held: '0.1' });

      expect(await risk.fill('o-hank', fillBody(hank, 'SELL', first!, { release: true }))).toMatchObject({ status: 200, json: { applied: true, release: { released: true } } });
      expect((await risk.balances(hank)).BTC).toEqual({ total: '0.8', available: '0.8', held: '0' });
    });

    it("refuses a fill with release: true named for another account (409 FILL_NOT_AT_VENUE: the venue's order is the holder's) and releases nothing: the holder's hold stays until its own fill", async () => {
      const jack = await risk.createAccount('jack', { USD: '1000' });
      const mallory = await risk.createAccount('mallory', { USD: '5' });
      const seller = await risk.createAccount('seller', { BTC: '1' });
      await risk.hold('o-jack', limit(jack, 'BUY', '0.1', '100'));
      await venue.submit(orderBody('o-jack-s', seller, 'SELL', '100', '0.1'));
      // Final at the venue: a release with this fill would be allowed for the account that holds it.
      expect((await venue.submit(orderBody('o-jack', jack, 'BUY', '100', '0.1'))).json).toMatchObject({ status: 'FILLED' });
      const [fill] = await venueFills('o-jack');
      const [jackBefore, malloryBefore] = [await risk.balances(jack), await risk.balances(mallory)];
      const [jackVersion, malloryVersion] = [await versionOf(jack), await versionOf(mallory)];

      const forged = await risk.fill('o-jack', fillBody(mallory, 'BUY', fill!, { release: true }));
      expect(forged).toMatchObject({ status: 409, json: { error: { code: 'FILL_NOT_AT_VENUE', details: { problem: `order o-jack is account ${jack}'s at the venue, not ${mallory}'s` } } } });
      expect(forged.json.release).toBeUndefined();
      expect(await risk.balances(mallory)).toEqual(malloryBefore);
      expect(await risk.balances(jack)).toEqual(jackBefore);
      expect([await versionOf(jack), await versionOf(mallory)]).toEqual([jackVersion, malloryVersion]);

      expect(await risk.fill('o-jack', fillBody(jack, 'BUY', fill!, { release: true }))).toMatchObject({ status: 200, json: { applied: true, release: { released: true } } });
      expect((await risk.balances(jack)).USD).toMatchObject({ held: '0' });
    });

    it('refuses a release flag that is not a boolean (400) and moves nothing', async () => {
      const ivy = await risk.createAccount('ivy', { USD: '1000' });
      await risk.hold('o-ivy', limit(ivy, 'BUY', '0.1', '100'));
      const before = await risk.balances(ivy);
      const refused = await risk.fill('o-ivy', fillBody(ivy, 'BUY', { fillId: 't-ivy:o-ivy', price: '100', quantity: '0.1', liquidity: 'TAKER' }, { release: 'yes' }));
      expect(refused).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
      expect(await risk.balances(ivy)).toEqual(before);
    });
  });

  describe('a fill settles only as the venue made it (money moves only through fills the venue made)', () => {
    const trade = async (tag: string, price: string) => {
      const seller = await risk.createAccount(`${tag}-s`, { BTC: '1' });
      const buyer = await risk.createAccount(`${tag}-b`, { USD: '1000' });
      await risk.hold(`o-${tag}-s`, limit(seller, 'SELL', '0.1', price));
      await risk.hold(`o-${tag}-b`, limit(buyer, 'BUY', '0.1', price));
      await venue.submit(orderBody(`o-${tag}-s`, seller, 'SELL', price, '0.1'));
      expect((await venue.submit(orderBody(`o-${tag}-b`, buyer, 'BUY', price, '0.1'))).json).toMatchObject({ status: 'FILLED' });
      const [fill] = (await venue.request('GET', `/venue/orders/o-${tag}-b`)).json.fills as Array<{ fillId: string; price: string; quantity: string; liquidity: string }>;
      const body = { fillId: fill!.fillId, accountId: buyer, symbol: 'BTC-USD', side: 'BUY', quantity: fill!.quantity, price: fill!.price, liquidity: fill!.liquidity };
      return { buyer, body, orderId: `o-${tag}-b` };
    };

    it.each([
      ['a better price than the trade', { price: '140' }, 'price 150'],
      ['a smaller quantity', { quantity: '0.05' }, 'quantity 0.1'],
      ['the other liquidity', { liquidity: 'MAKER' }, 'liquidity TAKER'],
      ['a fill id the venue never made', { fillId: 'forged:o-x' }, 'the venue made no fill forged:o-x'],
    ])('refuses %s (409 FILL_NOT_AT_VENUE) and moves nothing; the real fill then settles', async (_what, change, problem) => {
      const { buyer, body, orderId } = await trade(`v${randomUUID().slice(0, 6)}`, '150');
      const before = await risk.balances(buyer);
      const forged = await risk.fill(orderId, { ...body, ...change });
      expect(forged).toMatchObject({ status: 409, json: { error: { code: 'FILL_NOT_AT_VENUE', details: { orderId, fillId: (change as { fillId?: string }).fillId ?? body.fillId } } } });
      expect(forged.json.error.details.problem).toContain(problem);
      expect(await risk.balances(buyer)).toEqual(before);
      expect(await risk.fill(orderId, body)).toMatchObject({ status: 200, json: { applied: true } });
    });

    it("refuses a fill of one order settled under another of the same account's orders", async () => {
      const { buyer, body } = await trade(`w${randomUUID().slice(0, 6)}`, '150');
      await risk.hold('o-other-of-buyer', limit(buyer, 'BUY', '0.1', '150'));
      const before = await risk.balances(buyer);
      expect(await risk.fill('o-other-of-buyer', body)).toMatchObject({ status: 409, json: { error: { code: 'FILL_NOT_AT_VENUE', details: { problem: 'the venue has no order o-other-of-buyer' } } } });
      expect(await risk.balances(buyer)).toEqual(before);
    });
  });
});

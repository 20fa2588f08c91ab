import { parseDecimal } from '../domain/decimal';
import { exactCost } from './fees';
import { decideFeeCredit, decideFill, type FillRequest } from './ledger';
import { RiskTestApp } from '../test/harness/risk-test-app';

const d = parseDecimal;

describe('risk engine fill settlement (real store)', () => {
  let risk: RiskTestApp;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
  });
  afterAll(async () => {
    await risk?.stop();
  });

  const limit = (accountId: string, side: 'BUY' | 'SELL', quantity: string, price: string) => ({ accountId, symbol: 'BTC-USD', side, type: 'LIMIT', quantity, price });
  const fill = (accountId: string, fillId: string, side: 'BUY' | 'SELL', quantity: string, price: string, liquidity: 'MAKER' | 'TAKER', symbol = 'BTC-USD') => ({
    fillId,
    accountId,
    symbol,
    side,
    quantity,
    price,
    liquidity,
  });

  /** The fee account's total of an asset as a scaled bigint, for before/after deltas (other tests of this file add to it too). */
  const feeTotal = async (asset = 'USD') => d(await risk.total(risk.fees, asset));

  it('settles a BUY exactly: partial maker and taker fills from the hold, then the remainder released', async () => {
    const alice = await risk.createAccount('alice', { USD: '100000' });
    const feesBefore = await feeTotal();
    expect((await risk.hold('o-buy', limit(alice, 'BUY', '0.5', '30000.01'))).json).toMatchObject({ amount: '15030.00501' });

    // 0.2 × 30000 = 6000, maker 10 bp = 6: 6006 from the hold
    const first = await risk.fill('o-buy', fill(alice, 'f-b1', 'BUY', '0.2', '30000', 'MAKER'));
    expect(first.json).toEqual({
      fillId: 'f-b1',
      applied: true,
      fee: { asset: 'USD', amount: '6' },
      balances: [
        { asset: 'BTC', total: '0.2', available: '0.2', held: '0' },
        { asset: 'USD', total: '93994', available: '84969.99499', held: '9024.00501' },
      ],
    });
    // 0.1 × 30000.01 = 3000.001, taker 20 bp = 6.000002: 3006.001002 from the hold
    const second = await risk.fill('o-buy', fill(alice, 'f-b2', 'BUY', '0.1', '30000.01', 'TAKER'));
    expect(second.json).toMatchObject({ applied: true, fee: { asset: 'USD', amount: '6.000002' } });
    expect(await risk.balances(alice)).toEqual({
      BTC: { total: '0.3', available: '0.3', held: '0' },
      USD: { total: '90987.998998', available: '84969.99499', held: '6018.004008' },
    });

    expect((await risk.release('o-buy', alice)).json).toEqual({ released: true, asset: 'USD', amount: '6018.004008' });
    expect(await risk.balances(alice)).toEqual({
      BTC: { total: '0.3', available: '0.3', held: '0' },
      USD: { total: '90987.998998', available: '90987.998998', held: '0' },
    });
    expect((await feeTotal()) - feesBefore).toBe(d('12.000002'));
    // Paid = costs 9000.001 + fees 12.000002, to the last unit.
    expect(d('100000') - d('90987.998998')).toBe(d('9000.001') + d('12.000002'));
  });

  it('settles a SELL exactly: the base leaves the hold, the quote receives cost minus the fee', async () => {
    const bob = await risk.createAccount('bob', { BTC: '1' });
    const feesBefore = await feeTotal();
    await risk.hold('o-sell', limit(bob, 'SELL', '0.3', '30000'));

    // 0.1 × 30000.5 = 3000.05, taker 6.0001 → +2994.0499
    expect((await risk.fill('o-sell', fill(bob, 'f-s1', 'SELL', '0.1', '30000.5', 'TAKER'))).json).toEqual({
      fillId: 'f-s1',
      applied: true,
      fee: { asset: 'USD', amount: '6.0001' },
      balances: [
        { asset: 'BTC', total: '0.9', available: '0.7', held: '0.2' },
        { asset: 'USD', total: '2994.0499', available: '2994.0499', held: '0' },
      ],
    });
    // 0.15 × 30001 = 4500.15, maker 4.50015 → +4495.64985
    expect((await risk.fill('o-sell', fill(bob, 'f-s2', 'SELL', '0.15', '30001', 'MAKER'))).json).toMatchObject({ fee: { amount: '4.50015' } });
    expect((await risk.release('o-sell', bob)).json).toEqual({ released: true, asset: 'BTC', amount: '0.05' });
    expect(await risk.balances(bob)).toEqual({
      BTC: { total: '0.75', available: '0.75', held: '0' },
      USD: { total: '7489.69975', available: '7489.69975', held: '0' },
    });
    expect((await feeTotal()) - feesBefore).toBe(d('10.50025'));
  });

  it('rounds each fee up to the last unit, and the two sides and the fee account still sum to zero', async () => {
    const buyer = await risk.createAccount('dust-buyer', { USD: '1' });
    const seller = await risk.createAccount('dust-seller', { DUST: '1' });
    const feesBefore = await feeTotal();
    // cost 7e-18; taker 20 bp = 1.4e-20 and maker 10 bp = 7e-21, each charged as 1e-18
    const buy = fill(buyer, 'f-dust', 'BUY', '0.000000007', '0.000000001', 'TAKER', 'DUST-USD');
    const sell = fill(seller, 'f-dust', 'SELL', '0.000000007', '0.000000001', 'MAKER', 'DUST-USD');
    await risk.holdForFill('o-dust-b', buy);
    await risk.holdForFill('o-dust-s', sell);
    const bought = await risk.fill('o-dust-b', buy);
    const sold = await risk.fill('o-dust-s', sell);
    expect(bought.json.fee).toEqual({ asset: 'USD', amount: '0.000000000000000001' });
    expect(sold.json.fee).toEqual({ asset: 'USD', amount: '0.000000000000000001' });
    expect(await risk.total(buyer, 'USD')).toBe('0.999999999999999992');
    expect(await risk.total(seller, 'USD')).toBe('0.000000000000000006');
    expect((await feeTotal()) - feesBefore).toBe(2n);
  });

  it('applies the same fillId once: a repeat changes nothing and answers the first result', async () => {
    const carol = await risk.createAccount('carol', { USD: '1000' });
    await risk.hold('o-dup', limit(carol, 'BUY', '0.01', '10000'));
    const body = fill(carol, 'f-dup', 'BUY', '0.005', '10000', 'TAKER');
    const first = await risk.fill('o-dup', body);
    const balances = await risk.balances(carol);
    const fees = await feeTotal();

    const repeats = await Promise.all([risk.fill('o-dup', body), risk.fill('o-dup', body)]);
    for (const repeat of repeats) expect(repeat).toMatchObject({ status: 200, json: { ...first.json, applied: false } });
    expect(await risk.balances(carol)).toEqual(balances);
    expect(await feeTotal()).toBe(fees);

    // The same id with other terms is not the same fill.
    const other = await risk.fill('o-dup', { ...body, quantity: '0.004' });
    expect(other).toMatchObject({ status: 409, json: { error: { code: 'DUPLICATE_FILL' } } });
    expect(await risk.balances(carol)).toEqual(balances);
  });

  it('applies each of many concurrent fills exactly once, each fee credited once', async () => {
    const dave = await risk.createAccount('dave', { USD: '100000' });
    await risk.hold('o-many', limit(dave, 'BUY', '1', '10000'));
    const feesBefore = await feeTotal();
    // 20 fills of 0.05 (maker and taker in turn), each sent twice at once
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => risk.fill('o-many', fill(dave, `f-many-${i % 20}`, 'BUY', '0.05', '10000', i % 2 === 0 ? 'MAKER' : 'TAKER'))),
    );
    const applied = responses.filter((r) => r.status === 200 && r.json.applied);
    expect(applied).toHaveLength(20);
    expect(responses.filter((r) => r.status === 200 && !r.json.applied)).toHaveLength(20);
    const fees = applied.reduce((sum, r) => sum + d(r.json.fee.amount), 0n);
    expect(fees).toBe(d('15'));
    expect((await feeTotal()) - feesBefore).toBe(fees);
    expect(d(await risk.total(dave, 'USD'))).toBe(d('100000') - d('10000') - fees);
    expect(await risk.total(dave, 'BTC')).toBe('1');
    expect((await risk.store.getAccount(dave))!.pendingFees).toEqual({});
  });

  describe('a crash between the two documents of a fill', () => {
    const request = (accountId: string, fillId: string): { accountId: string; fill: FillRequest } => ({
      accountId,
      fill: {
        orderId: 'o-crash',
        fillId,
        symbol: 'BTC-USD',
        side: 'BUY',
        baseAsset: 'BTC',
        quoteAsset: 'USD',
        quantity: d('0.01'),
        price: d('10000'),
        cost: exactCost(d('10000'), d('0.01'))!,
        liquidity: 'TAKER',
        at: new Date().toISOString(),
      },
    });

    it('is completed by the retry: the fee is credited once, the trader side not applied again', async () => {
      const erin = await risk.createAccount('erin', { USD: '1000' });
      await risk.hold('o-crash', limit(erin, 'BUY', '0.01', '10000'));
      const feesBefore = await feeTotal();
      // The trader side only, through the store: what a crash right after the first update leaves behind.
      const { fill: crashed } = request(erin, 'f-crash');
      await risk.store.updateAccount(erin, (account) => decideFill(account, crashed), { fills: ['f-crash'] });
      expect(await feeTotal()).toBe(feesBefore);
      expect((await risk.store.getAccount(erin))!.pendingFees).toEqual({ 'f-crash': { seq: 1, asset: 'USD', amount: d('0.2') } });
      const afterTraderSide = await risk.balances(erin);

      const retry = await risk.fill('o-crash', fill(erin, 'f-crash', 'BUY', '0.01', '10000', 'TAKER'));
      expect(retry.json).toMatchObject({ applied: false, fee: { asset: 'USD', amount: '0.2' } });
      expect(await risk.balances(erin)).toEqual(afterTraderSide);
      expect(afterTraderSide.USD).toEqual({ total: '899.8', available: '899.8', held: '0' });
      expect((await feeTotal()) - feesBefore).toBe(d('0.2'));
      expect((await risk.store.getAccount(erin))!.pendingFees).toEqual({});

      await risk.fill('o-crash', fill(erin, 'f-crash', 'BUY', '0.01', '10000', 'TAKER'));
      expect((await feeTotal()) - feesBefore).toBe(d('0.2'));
    });

    it('is completed by the retry when the crash came after the fee was credited but before it was forgotten', async () => {
      const frank = await risk.createAccount('frank', { USD: '1000' });
      await risk.hold('o-crash', limit(frank, 'BUY', '0.01', '10000'));
      const feesBefore = await feeTotal();
      const { fill: crashed } = request(frank, 'f-crash2');
      const settled = await risk.store.updateAccount(frank, (account) => decideFill(account, crashed), { fills: ['f-crash2'] });
      if (settled.kind !== 'settled') throw new Error('expected the fill to settle');
      await risk.store.updateAccount(risk.fees, (fees) => decideFeeCredit(fees, frank, settled.pendingFees), { createAs: 'Fees' });
      expect((await feeTotal()) - feesBefore).toBe(d('0.2'));

      expect((await risk.fill('o-crash', fill(frank, 'f-crash2', 'BUY', '0.01', '10000', 'TAKER'))).json).toMatchObject({ applied: false });
      expect((await feeTotal()) - feesBefore).toBe(d('0.2'));
      expect((await risk.store.getAccount(frank))!.pendingFees).toEqual({});
    });
  });

  // Issue 11: a release is for an order that can trade no more, so a fill after it is not one the venue made
  // for a held order: refused, and nothing moves (it used to be settled from available).
  it('refuses a fill that arrives after its hold was released (FILL_NOT_HELD)', async () => {
    const gina = await risk.createAccount('gina', { BTC: '1' });
    await risk.hold('o-late', limit(gina, 'SELL', '0.5', '20000'));
    await risk.release('o-late', gina);
    const response = await risk.fill('o-late', fill(gina, 'f-late', 'SELL', '0.2', '20000', 'TAKER'));
    expect(response).toMatchObject({ status: 409, json: { error: { code: 'FILL_NOT_HELD' } } });
    expect(await risk.balances(gina)).toEqual({ BTC: { total: '1', available: '1', held: '0' } });
  });

  it("refuses a fill on the other side of the order's hold", async () => {
    const hank = await risk.createAccount('hank', { BTC: '1' });
    await risk.hold('o-side', limit(hank, 'SELL', '0.5', '20000'));
    const response = await risk.fill('o-side', fill(hank, 'f-side', 'BUY', '0.1', '20000', 'TAKER'));
    expect(response).toMatchObject({ status: 409, json: { error: { code: 'FILL_MISMATCH' } } });
    expect(await risk.balances(hank)).toEqual({ BTC: { total: '1', available: '0.5', held: '0.5' } });
  });
});

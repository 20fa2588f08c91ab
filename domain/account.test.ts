import { applyChanges, balanceOf, checkFeeRates, checkOpeningBalance, checkRiskLimitOverrides, mergeChanges, toAssetBalance, type Account, type AccountChanges } from './account';
import { parseDecimal } from './decimal';

const d = parseDecimal;

describe('account rules', () => {
  it('reads a missing balance as zero, and shows available = total − held', () => {
    expect(balanceOf({ balances: {} }, 'USD')).toEqual({ total: 0n, held: 0n });
    expect(balanceOf({ balances: { USD: { total: d('10'), held: d('4') } } }, 'USD')).toEqual({ total: d('10'), held: d('4') });
    // An asset named like an Object.prototype member is still just an asset.
    expect(balanceOf({ balances: {} }, 'constructor')).toEqual({ total: 0n, held: 0n });
    expect(toAssetBalance('USD', { total: d('100.5'), held: d('0.5') })).toEqual({ asset: 'USD', total: '100.5', available: '100', held: '0.5' });
  });

  it('opens an account with zero or more of an asset, never a debt', () => {
    expect(() => checkOpeningBalance('USD', 0n)).not.toThrow();
    expect(() => checkOpeningBalance('USD', -1n)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('takes fee rates as whole basis points from 0 to 10000', () => {
    expect(checkFeeRates({ makerBps: 0, takerBps: 10_000 })).toEqual({ makerBps: 0, takerBps: 10_000 });
    for (const bad of [{ makerBps: 1.5, takerBps: 0 }, { makerBps: 0, takerBps: 10_001 }, { makerBps: -1, takerBps: 0 }]) {
      expect(() => checkFeeRates(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });

  it('takes limit overrides with positive amounts and a non-negative whole count of open orders', () => {
    const limits = { maxOrderNotional: d('1'), maxOpenOrders: 0, maxPosition: 1n, maxPositionBySymbol: { 'BTC-USD': d('2.5') } };
    expect(checkRiskLimitOverrides(limits)).toBe(limits);
    expect(checkRiskLimitOverrides({})).toEqual({});
    expect(() => checkRiskLimitOverrides({ maxOpenOrders: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => checkRiskLimitOverrides({ maxOpenOrders: 1.5 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => checkRiskLimitOverrides({ maxPosition: 0n })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { maxPosition: '0' } }));
    expect(() => checkRiskLimitOverrides({ maxOrderNotional: -1n })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => checkRiskLimitOverrides({ maxPositionBySymbol: { 'ETH-USD': 0n } })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: { 'maxPositionBySymbol.ETH-USD': '0' } }),
    );
  });
});

describe('account changes', () => {
  const account: Account = {
    accountId: 'a-1',
    name: 'A',
    version: 7,
    balances: { USD: { total: d('100'), held: d('10') }, BTC: { total: d('1'), held: 0n } },
    holds: { 'o-1': { asset: 'USD', amount: d('10') } },
    fills: {},
    pendingFees: { 'f-0': { seq: 1, asset: 'USD', amount: d('0.1') } },
    feeSeq: 1,
    feeCursors: {},
    positions: {},
  };
  const hold: AccountChanges = { balances: { USD: { total: d('100'), held: d('30') } }, holds: { 'o-2': { asset: 'USD', amount: d('20') } } };
  const release: AccountChanges = { balances: { USD: { total: d('100'), held: d('20') } }, holds: { 'o-1': null } };
  const fee: AccountChanges = { pendingFees: { 'f-1': { seq: 2, asset: 'USD', amount: d('0.2') }, 'f-0': null }, feeSeq: 2, feeCursors: { t: 3 } };

  it('applies a change as the store writes it: listed keys set, null entries removed, the rest untouched', () => {
    const after = applyChanges(account, release);
    expect(after.balances).toEqual({ USD: { total: d('100'), held: d('20') }, BTC: { total: d('1'), held: 0n } });
    expect(after.holds).toEqual({});
    expect(after.pendingFees).toBe(account.pendingFees);
    expect(account.holds).toEqual({ 'o-1': { asset: 'USD', amount: d('10') } });
    expect(applyChanges(account, fee)).toMatchObject({ feeSeq: 2, feeCursors: { t: 3 }, pendingFees: { 'f-1': { seq: 2 } }, version: 7 });
  });

  it('merges changes so that one write does what writing each in turn does, the later entry winning per key', () => {
    const inTurn = [hold, release, fee].reduce(applyChanges, account);
    const merged = [hold, release, fee].reduce(mergeChanges, {});
    expect(applyChanges(account, merged)).toEqual(inTurn);
    expect(merged.balances).toEqual({ USD: { total: d('100'), held: d('20') } });
    expect(merged.holds).toEqual({ 'o-2': { asset: 'USD', amount: d('20') }, 'o-1': null });
    // A key removed and then set again is set; set and then removed is removed.
    const again = mergeChanges(release, { holds: { 'o-1': { asset: 'USD', amount: d('5') } } });
    expect(again.holds).toEqual({ 'o-1': { asset: 'USD', amount: d('5') } });
    expect(mergeChanges(hold, { holds: { 'o-2': null } }).holds).toEqual({ 'o-2': null });
    expect(hold.holds).toEqual({ 'o-2': { asset: 'USD', amount: d('20') } });
  });
});

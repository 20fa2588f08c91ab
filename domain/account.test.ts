import { balanceOf, checkFeeRates, checkOpeningBalance, checkRiskLimitOverrides, toAssetBalance } from './account';
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

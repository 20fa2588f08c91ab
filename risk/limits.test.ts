import { parseDecimal } from '../domain/decimal';
import type { Account } from '../domain/account';
import { checkLimits, currentPosition, DEFAULT_RISK_LIMITS, effectiveLimits, maxPositionFor, type OrderExposure } from './limits';

const d = parseDecimal;

function account(parts: Partial<Pick<Account, 'balances' | 'holds' | 'limits'>> = {}): Pick<Account, 'balances' | 'holds' | 'limits'> {
  return { balances: parts.balances ?? {}, holds: parts.holds ?? {}, ...(parts.limits === undefined ? {} : { limits: parts.limits }) };
}

const buy = (quantity: string, notional: string): OrderExposure => ({ symbol: 'BTC-USD', side: 'BUY', baseAsset: 'BTC', quantity: d(quantity), notional: d(notional) });

describe('risk limits', () => {
  it('defaults to 1,000,000 notional, 500 open orders, a position of 100 per symbol; overrides win field by field', () => {
    expect(effectiveLimits(undefined)).toEqual(DEFAULT_RISK_LIMITS);
    expect(DEFAULT_RISK_LIMITS).toMatchObject({ maxOrderNotional: d('1000000'), maxOpenOrders: 500, maxPosition: d('100') });
    const limits = effectiveLimits({ maxOpenOrders: 3, maxPositionBySymbol: { 'ETH-USD': d('7') } });
    expect(limits).toMatchObject({ maxOrderNotional: d('1000000'), maxOpenOrders: 3, maxPosition: d('100') });
    expect(maxPositionFor(limits, 'ETH-USD')).toBe(d('7'));
    expect(maxPositionFor(limits, 'BTC-USD')).toBe(d('100'));
    expect(maxPositionFor(limits, 'constructor')).toBe(d('100'));
  });

  it('allows an order exactly at each limit', () => {
    expect(checkLimits(account(), buy('100', '1000000'))).toBeUndefined();
  });

  it('refuses a notional one unit above the limit', () => {
    const refusal = checkLimits(account(), buy('1', '1000000.000000000000000001'));
    expect(refusal).toMatchObject({ code: 'MAX_ORDER_NOTIONAL_EXCEEDED', details: { notional: '1000000.000000000000000001', maxOrderNotional: '1000000' } });
    expect(checkLimits(account({ limits: { maxOrderNotional: d('50') } }), buy('1', '50.01'))?.code).toBe('MAX_ORDER_NOTIONAL_EXCEEDED');
    // An unknown notional (MARKET sell without a reference price) is not checked.
    expect(checkLimits(account(), { symbol: 'BTC-USD', side: 'SELL', baseAsset: 'BTC', quantity: d('1'), notional: undefined })).toBeUndefined();
  });

  it('counts holds as open orders', () => {
    const holds = { a: { asset: 'USD', amount: d('1') }, b: { asset: 'BTC', amount: d('1') } };
    expect(checkLimits(account({ holds, limits: { maxOpenOrders: 3 } }), buy('1', '1'))).toBeUndefined();
    expect(checkLimits(account({ holds, limits: { maxOpenOrders: 2 } }), buy('1', '1'))).toMatchObject({
      code: 'MAX_OPEN_ORDERS_EXCEEDED',
      details: { openOrders: 2, maxOpenOrders: 2 },
    });
  });

  it("counts the base total and open buys' unfilled quantity of the symbol as the position", () => {
    const holds = {
      b1: { asset: 'USD', amount: d('1'), symbol: 'BTC-USD', side: 'BUY' as const, openQuantity: d('20') },
      b2: { asset: 'USD', amount: d('1'), symbol: 'ETH-USD', side: 'BUY' as const, openQuantity: d('50') },
      s1: { asset: 'BTC', amount: d('5'), symbol: 'BTC-USD', side: 'SELL' as const },
    };
    const held = account({ balances: { BTC: { total: d('70'), held: d('5') } }, holds });
    expect(currentPosition(held, 'BTC-USD', 'BTC')).toBe(d('90'));
    expect(checkLimits(held, buy('10', '1'))).toBeUndefined();
    expect(checkLimits(held, buy('10.00000001', '1'))).toMatchObject({
      code: 'MAX_POSITION_EXCEEDED',
      details: { symbol: 'BTC-USD', position: '90', quantity: '10.00000001', maxPosition: '100' },
    });
    // A sell only reduces the position.
    expect(checkLimits(held, { symbol: 'BTC-USD', side: 'SELL', baseAsset: 'BTC', quantity: d('60'), notional: d('1') })).toBeUndefined();
  });

  it('checks notional first, then open orders, then position', () => {
    const full = account({ balances: { BTC: { total: d('100'), held: 0n } }, holds: { a: { asset: 'USD', amount: 1n } }, limits: { maxOpenOrders: 1 } });
    expect(checkLimits(full, buy('1', '2000000'))?.code).toBe('MAX_ORDER_NOTIONAL_EXCEEDED');
    expect(checkLimits(full, buy('1', '1'))?.code).toBe('MAX_OPEN_ORDERS_EXCEEDED');
    expect(checkLimits({ ...full, holds: {} }, buy('1', '1'))?.code).toBe('MAX_POSITION_EXCEEDED');
  });
});

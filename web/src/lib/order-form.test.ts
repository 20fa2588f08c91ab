import { checkOrder, effectivePrice, estimatedFee, fundsNeeded, notional, submissionFor, type OrderForm } from './order-form';
import type { SymbolRules } from './types';

const BTC: SymbolRules = {
  symbol: 'BTC-USD',
  baseAsset: 'BTC',
  quoteAsset: 'USD',
  tickSize: '0.01',
  lotSize: '0.00000001',
  minQuantity: '0.00001',
  maxQuantity: '1000',
  minNotional: '1',
  priceBandPercent: '10',
  marketSlippagePercent: '2',
  status: 'TRADING',
};
const NOW = new Date('2026-12-04T12:00:00Z');
const form = (over: Partial<OrderForm> = {}): OrderForm => ({ side: 'BUY', type: 'LIMIT', quantity: '0.5', price: '612.35', timeInForce: 'GTC', expireAt: '', postOnly: false, ...over });

describe('order form rules', () => {
  it('builds the API body of a valid limit order', () => {
    expect(checkOrder(form({ postOnly: true }), BTC, NOW)).toEqual({
      problems: [],
      body: { symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.5', price: '612.35', timeInForce: 'GTC', postOnly: true },
    });
  });

  it('sends a market order without price, time in force or post-only', () => {
    expect(checkOrder(form({ type: 'MARKET', side: 'SELL', price: '1' }), BTC, NOW, '611.9').body).toEqual({ symbol: 'BTC-USD', side: 'SELL', type: 'MARKET', quantity: '0.5' });
  });

  it.each([
    [{ price: '612.345' }, 'Price must be a multiple of the tick size 0.01'],
    [{ price: '' }, 'Price is required for a limit order'],
    [{ price: '-1' }, 'Price must be a positive number'],
    [{ price: '1e3' }, 'Price must be a positive number'],
    [{ quantity: '0.000000001' }, 'Quantity must be a multiple of the lot size 0.00000001'],
    [{ quantity: '0' }, 'Quantity must be a positive number'],
    [{ quantity: '0.000001' }, 'Quantity is below the minimum 0.00001'],
    [{ quantity: '1000.1' }, 'Quantity is above the maximum 1000'],
    [{ quantity: '' }, 'Quantity is required'],
    [{ quantity: '0.001', price: '612.35' }, 'Notional is below the minimum 1 USD'],
    [{ timeInForce: 'GTD' as const, expireAt: '' }, 'Expiry is required for GTD'],
    [{ timeInForce: 'GTD' as const, expireAt: '2026-12-04T11:59:00Z' }, 'Expiry must be in the future'],
    [{ timeInForce: 'IOC' as const, postOnly: true }, 'Post-only needs a limit order that rests (GTC or GTD)'],
  ])('refuses %j: %s', (over, problem) => {
    const result = checkOrder(form(over), BTC, NOW);
    expect(result.body).toBeNull();
    expect(result.problems).toContain(problem);
  });

  it('checks the lot size exactly', () => {
    const eth = { ...BTC, symbol: 'ETH-USD', baseAsset: 'ETH', lotSize: '0.0001', minQuantity: '0.001' };
    expect(checkOrder(form({ quantity: '0.00105', price: '10000' }), eth, NOW).problems).toEqual(['Quantity must be a multiple of the lot size 0.0001']);
  });

  it('sends a GTD expiry as an ISO timestamp', () => {
    expect(checkOrder(form({ timeInForce: 'GTD', expireAt: '2026-12-05T00:00:00Z' }), BTC, NOW).body).toMatchObject({ timeInForce: 'GTD', expireAt: '2026-12-05T00:00:00.000Z' });
  });

  it('refuses everything on a halted symbol', () => {
    expect(checkOrder(form(), { ...BTC, status: 'HALTED' }, NOW).problems).toEqual(['BTC-USD is halted']);
  });

  it('checks a market order against the minimum notional at the best opposite price when one is known', () => {
    expect(checkOrder(form({ type: 'MARKET', quantity: '0.001' }), BTC, NOW, '611.9').problems).toEqual(['Notional is below the minimum 1 USD']);
    expect(checkOrder(form({ type: 'MARKET', quantity: '0.001' }), BTC, NOW, null).problems).toEqual([]);
  });

  it('computes notional, the fee estimate and the funds needed exactly', () => {
    const f = form();
    const n = notional(f, effectivePrice(f, { bestBid: null, bestAsk: null }));
    expect(n).toBe('306.175');
    expect(estimatedFee(f, n)).toBe('0.61235');
    expect(estimatedFee(form({ postOnly: true }), n)).toBe('0.306175');
    expect(fundsNeeded(f, BTC, n, '0.61235')).toEqual({ asset: 'USD', amount: '306.78735' });
    expect(fundsNeeded(form({ side: 'SELL' }), BTC, n, null)).toEqual({ asset: 'BTC', amount: '0.5' });
    const market = form({ type: 'MARKET' });
    expect(effectivePrice(market, { bestBid: '611.9', bestAsk: '611.95' })).toBe('611.95');
    expect(effectivePrice({ ...market, side: 'SELL' }, { bestBid: '611.9', bestAsk: '611.95' })).toBe('611.9');
    expect(notional(form({ quantity: 'abc' }), '1')).toBeNull();
  });
});

describe('one Idempotency-Key per submission', () => {
  let n = 0;
  const fresh = () => `key-${++n}`;
  const body = { symbol: 'BTC-USD', side: 'BUY' as const, type: 'LIMIT' as const, quantity: '0.5', price: '612.35' };

  it('reuses the pending key when the same order is sent again after a network error', () => {
    const first = submissionFor(null, body, fresh);
    expect(submissionFor(first, { ...body }, fresh)).toBe(first);
  });

  it('takes a new key for a different order or once the API answered (pending cleared)', () => {
    const first = submissionFor(null, body, fresh);
    expect(submissionFor(first, { ...body, quantity: '0.6' }, fresh).key).not.toBe(first.key);
    expect(submissionFor(null, body, fresh).key).not.toBe(first.key);
  });
});

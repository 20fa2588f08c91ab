import fc from 'fast-check';
import { formatDecimal, ONE, parseDecimal } from './decimal';
import {
  averagePrice,
  holdFor,
  isTerminal,
  newOrder,
  ORDER_STATUSES,
  parseIsoTimestamp,
  TERMINAL_STATUSES,
  toOrderView,
  validateOrderRules,
  type NewOrderParams,
  type Order,
  type OrderTerms,
} from './order';
import { DEFAULT_SYMBOLS, type SymbolSpec } from './symbols';

const d = parseDecimal;
const spec = (symbol: string): SymbolSpec => DEFAULT_SYMBOLS.find((s) => s.symbol === symbol)!;
const btc = spec('BTC-USD');
const sol = spec('SOL-USD');
const NOW = '2030-01-01T00:00:00.000Z';

const limitBuy: OrderTerms = {
  side: 'BUY',
  type: 'LIMIT',
  quantity: d('0.5'),
  price: d('50000'),
  timeInForce: 'GTC',
  expireAt: null,
  postOnly: false,
};

const params: NewOrderParams = {
  ...limitBuy,
  orderId: 'ord-1',
  clientOrderId: 'client-1',
  accountId: 'acct-1',
  symbol: 'BTC-USD',
  createdAt: NOW,
};

describe('statuses', () => {
  it('has exactly four terminal statuses', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['CANCELLED', 'EXPIRED', 'REJECTED', 'SETTLED']);
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['CANCELLED', 'REJECTED', 'EXPIRED', 'SETTLED']);
    for (const s of ['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'FILLED', 'PENDING_CANCEL'] as const) expect(isTerminal(s)).toBe(false);
  });
});

describe('newOrder', () => {
  it('builds a NEW order at version 1 with nothing filled', () => {
    expect(newOrder(params)).toEqual({
      ...params,
      status: 'NEW',
      filledQuantity: 0n,
      filledNotional: 0n,
      fees: 0n,
      rejectReason: null,
      statusReason: null,
      cancelRequested: false,
      fillIds: [],
      version: 1,
      updatedAt: NOW,
    });
  });
});

describe('toOrderView / averagePrice', () => {
  const filled: Order = {
    ...newOrder(params),
    status: 'PARTIALLY_FILLED',
    filledQuantity: d('0.3'),
    filledNotional: d('0.1') * d('50000') / ONE + d('0.2') * d('49999.99') / ONE,
    fees: d('1.25'),
    fillIds: ['f1', 'f2'],
    version: 3,
    updatedAt: '2030-01-01T00:00:05.000Z',
  };

  it('renders decimals as strings and leaves out internal bookkeeping', () => {
    const view = toOrderView(filled);
    expect(view).toEqual({
      orderId: 'ord-1',
      clientOrderId: 'client-1',
      accountId: 'acct-1',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.5',
      price: '50000',
      timeInForce: 'GTC',
      expireAt: null,
      postOnly: false,
      status: 'PARTIALLY_FILLED',
      filledQuantity: '0.3',
      averagePrice: '49999.993333333333333333',
      fees: '1.25',
      rejectReason: null,
      statusReason: null,
      cancelRequested: false,
      version: 3,
      createdAt: NOW,
      updatedAt: '2030-01-01T00:00:05.000Z',
    });
    expect(view).not.toHaveProperty('fillIds');
    expect(view).not.toHaveProperty('filledNotional');
    expect(() => JSON.stringify(view)).not.toThrow();
  });

  it('has no average price before the first fill, and a null price for MARKET orders', () => {
    const market = newOrder({ ...params, type: 'MARKET', price: null });
    expect(toOrderView(market)).toMatchObject({ price: null, averagePrice: null, filledQuantity: '0', fees: '0' });
  });

  it('rounds the average price HALF_EVEN', () => {
    expect(averagePrice({ filledNotional: 2n, filledQuantity: 4n * ONE })).toBe(0n); // 0.5 units → even 0
    expect(averagePrice({ filledNotional: 6n, filledQuantity: 4n * ONE })).toBe(2n); // 1.5 units → even 2
    expect(averagePrice({ filledNotional: 0n, filledQuantity: 0n })).toBeNull();
  });

  it('the average of fills at one price is that price', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (ticks, lots) => {
        const price = ticks * btc.tickSize;
        const quantity = lots * btc.lotSize;
        expect(averagePrice({ filledNotional: (price * quantity) / ONE, filledQuantity: quantity })).toBe(price);
      }),
    );
  });
});

describe('parseIsoTimestamp', () => {
  it.each([
    ['2030-01-01T00:00:00Z', Date.UTC(2030, 0, 1)],
    ['2030-01-01T00:00:00.5Z', Date.UTC(2030, 0, 1, 0, 0, 0, 500)],
    ['2030-01-01T00:00:00.123456Z', Date.UTC(2030, 0, 1, 0, 0, 0, 123)],
    ['2030-01-01T02:00+02:00', Date.UTC(2030, 0, 1)],
    ['2028-02-29T12:00:00Z', Date.UTC(2028, 1, 29, 12)],
  ])('parses %s', (text, millis) => {
    expect(parseIsoTimestamp(text)).toBe(millis);
  });

  it.each([
    '', '2030-01-01', '2030-01-01T00:00:00', '2030-02-30T00:00:00Z', '2029-02-29T00:00:00Z', '2030-13-01T00:00:00Z',
    '2030-01-01T24:00:00Z', '2030-01-01 00:00:00Z', 'January 1 2030', '1893456000000', '2030-01-01T00:00:60Z',
  ])('rejects %j', (text) => {
    expect(parseIsoTimestamp(text)).toBeUndefined();
  });
});

describe('validateOrderRules', () => {
  const check = (terms: Partial<OrderTerms>, symbolSpec: SymbolSpec = btc) =>
    validateOrderRules(symbolSpec, { ...limitBuy, ...terms }, NOW);
  const codeOf = (terms: Partial<OrderTerms>, symbolSpec: SymbolSpec = btc) => check(terms, symbolSpec)?.code;

  it('accepts valid orders', () => {
    expect(check({})).toBeUndefined();
    expect(check({ side: 'SELL' })).toBeUndefined();
    expect(check({ type: 'MARKET', price: null, timeInForce: 'IOC' })).toBeUndefined();
    expect(check({ timeInForce: 'GTD', expireAt: '2030-01-01T00:00:01Z' })).toBeUndefined();
    expect(check({ postOnly: true })).toBeUndefined();
    expect(check({ postOnly: true, timeInForce: 'GTD', expireAt: '2031-01-01T00:00:00Z' })).toBeUndefined();
    expect(check({ quantity: btc.minQuantity, price: d('100000') })).toBeUndefined();
    expect(check({ quantity: btc.maxQuantity })).toBeUndefined();
    expect(check({ price: d('0.01'), quantity: d('100') })).toBeUndefined(); // notional exactly 1
  });

  it('refuses anything on a halted symbol first', () => {
    const halted = { ...btc, status: 'HALTED' as const };
    expect(check({}, halted)).toMatchObject({ code: 'SYMBOL_HALTED', details: { symbol: 'BTC-USD' } });
    expect(codeOf({ price: null }, halted)).toBe('SYMBOL_HALTED');
  });

  it('requires a price for LIMIT and forbids one for MARKET', () => {
    expect(codeOf({ price: null })).toBe('PRICE_REQUIRED');
    expect(codeOf({ type: 'MARKET' })).toBe('PRICE_NOT_ALLOWED');
  });

  it('checks the price against the tick size', () => {
    const error = check({ price: d('50000.001') });
    expect(error).toMatchObject({ code: 'INVALID_PRICE_TICK', details: { tickSize: '0.01', price: '50000.001' } });
    expect(error?.message).toContain('0.01');
    expect(codeOf({ price: 0n })).toBe('INVALID_PRICE_TICK');
    expect(codeOf({ price: d('-1') })).toBe('INVALID_PRICE_TICK');
    expect(codeOf({ price: d('1.001'), quantity: d('10') }, sol)).toBeUndefined();
    expect(codeOf({ price: d('1.0001') }, sol)).toBe('INVALID_PRICE_TICK');
  });

  it('checks the quantity against lot, min and max', () => {
    expect(check({ quantity: d('0.000000001') })).toMatchObject({
      code: 'INVALID_QUANTITY_LOT',
      details: { lotSize: '0.00000001', quantity: '0.000000001' },
    });
    expect(codeOf({ quantity: 0n })).toBe('INVALID_QUANTITY_LOT');
    expect(codeOf({ quantity: d('-1') })).toBe('INVALID_QUANTITY_LOT');
    expect(check({ quantity: d('0.00000999') })).toMatchObject({ code: 'QUANTITY_TOO_SMALL', details: { minQuantity: '0.00001' } });
    expect(check({ quantity: d('1000.00000001') })).toMatchObject({ code: 'QUANTITY_TOO_LARGE', details: { maxQuantity: '1000' } });
  });

  it('checks the notional of LIMIT orders exactly', () => {
    expect(check({ price: d('0.01'), quantity: d('99.99999999') })).toMatchObject({
      code: 'NOTIONAL_TOO_SMALL',
      details: { minNotional: '1', notional: '0.9999999999' },
    });
    // MARKET orders have no price to check here; risk checks them against market data.
    expect(codeOf({ type: 'MARKET', price: null, quantity: btc.minQuantity })).toBeUndefined();
  });

  it('checks expireAt against the time in force and the clock', () => {
    expect(codeOf({ timeInForce: 'GTD' })).toBe('EXPIRE_AT_REQUIRED');
    for (const timeInForce of ['GTC', 'IOC', 'FOK'] as const) {
      expect(codeOf({ timeInForce, expireAt: '2031-01-01T00:00:00Z' })).toBe('EXPIRE_AT_NOT_ALLOWED');
    }
    expect(codeOf({ timeInForce: 'GTD', expireAt: NOW })).toBe('EXPIRE_AT_IN_PAST');
    expect(codeOf({ timeInForce: 'GTD', expireAt: '2029-12-31T23:59:59Z' })).toBe('EXPIRE_AT_IN_PAST');
    expect(codeOf({ timeInForce: 'GTD', expireAt: '2030-01-01T01:00:00+02:00' })).toBe('EXPIRE_AT_IN_PAST');
    expect(codeOf({ timeInForce: 'GTD', expireAt: 'tomorrow' })).toBe('VALIDATION_FAILED');
  });

  it('throws when the caller passes a broken clock', () => {
    expect(() => validateOrderRules(btc, { ...limitBuy, timeInForce: 'GTD', expireAt: '2031-01-01T00:00:00Z' }, 'now')).toThrow(RangeError);
  });

  it('allows postOnly only on resting LIMIT orders', () => {
    expect(codeOf({ postOnly: true, type: 'MARKET', price: null })).toBe('POST_ONLY_REQUIRES_LIMIT');
    expect(codeOf({ postOnly: true, timeInForce: 'IOC' })).toBe('POST_ONLY_REQUIRES_LIMIT');
    expect(codeOf({ postOnly: true, timeInForce: 'FOK' })).toBe('POST_ONLY_REQUIRES_LIMIT');
  });

  it('accepts every on-grid LIMIT order within the limits (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DEFAULT_SYMBOLS),
        fc.constantFrom('BUY' as const, 'SELL' as const),
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        (s, side, ticks, extraLots) => {
          const quantity = s.minQuantity + extraLots * s.lotSize;
          const price = ticks * s.tickSize;
          const error = validateOrderRules(s, { ...limitBuy, side, price, quantity }, NOW);
          const notionalOk = price * quantity >= s.minNotional * ONE;
          const expected = quantity > s.maxQuantity ? 'QUANTITY_TOO_LARGE' : notionalOk ? undefined : 'NOTIONAL_TOO_SMALL';
          expect(error?.code).toBe(expected);
        },
      ),
    );
  });

  it('refuses every off-grid price or quantity (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 21n }), (price, quantity) => {
        const error = check({ price, quantity });
        if (price % btc.tickSize !== 0n) expect(error?.code).toBe('INVALID_PRICE_TICK');
        else if (quantity % btc.lotSize !== 0n) expect(error?.code).toBe('INVALID_QUANTITY_LOT');
      }),
    );
  });
});

describe('holdFor', () => {
  it('holds quote (price × quantity) for a LIMIT buy', () => {
    expect(holdFor({ side: 'BUY', type: 'LIMIT', quantity: d('0.5'), price: d('50000') }, btc)).toEqual({ asset: 'USD', amount: d('25000') });
  });

  it('rounds a LIMIT buy hold up, never under-reserving', () => {
    const hold = holdFor({ side: 'BUY', type: 'LIMIT', quantity: 1n, price: 1n }, btc);
    expect(hold).toEqual({ asset: 'USD', amount: 1n });
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 24n }), (price, quantity) => {
        const amount = holdFor({ side: 'BUY', type: 'LIMIT', quantity, price }, btc)!.amount;
        expect(amount * ONE).toBeGreaterThanOrEqual(price * quantity);
        expect((amount - 1n) * ONE).toBeLessThan(price * quantity);
      }),
    );
  });

  it('holds base (the quantity) for any sell', () => {
    expect(holdFor({ side: 'SELL', type: 'LIMIT', quantity: d('0.5'), price: d('50000') }, btc)).toEqual({ asset: 'BTC', amount: d('0.5') });
    expect(holdFor({ side: 'SELL', type: 'MARKET', quantity: d('2'), price: null }, sol)).toEqual({ asset: 'SOL', amount: d('2') });
  });

  it('sizes a MARKET buy at its worst price, rounded up', () => {
    const order = { side: 'BUY', type: 'MARKET', quantity: d('2'), price: null } as const;
    expect(holdFor(order, btc, d('102'))).toEqual({ asset: 'USD', amount: d('204') });
    expect(holdFor(order, btc)).toBeUndefined();
    expect(formatDecimal(holdFor({ ...order, quantity: d('0.000000001') }, btc, d('0.000000001'))!.amount)).toBe('0.000000000000000001');
    // A LIMIT buy is sized from its own price, whatever worst price is given.
    expect(holdFor({ side: 'BUY', type: 'LIMIT', quantity: d('2'), price: d('100') }, btc, d('500'))).toEqual({ asset: 'USD', amount: d('200') });
  });

  it('has no hold for a LIMIT buy without a price', () => {
    expect(holdFor({ side: 'BUY', type: 'LIMIT', quantity: d('1'), price: null }, btc)).toBeUndefined();
  });
});

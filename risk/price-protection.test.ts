import fc from 'fast-check';
import { ONE, parseDecimal } from '../domain/decimal';
import { DEFAULT_SYMBOLS, type SymbolSpec } from '../domain/symbols';
import { checkPriceBand, priceBand, protectionPrice } from './price-protection';

const d = parseDecimal;
const btc = DEFAULT_SYMBOLS.find((s) => s.symbol === 'BTC-USD')!;
const HUNDRED = 100n * ONE;

describe('checkPriceBand', () => {
  it('accepts both ends of the band and refuses one tick beyond either', () => {
    // BTC-USD: ±10 % of 30000 is 27000 to 33000.
    const mark = d('30000');
    expect(checkPriceBand(btc, d('27000'), mark)).toBeUndefined();
    expect(checkPriceBand(btc, d('33000'), mark)).toBeUndefined();
    expect(checkPriceBand(btc, d('30000'), mark)).toBeUndefined();
    expect(checkPriceBand(btc, d('26999.99'), mark)?.code).toBe('PRICE_OUT_OF_BAND');
    expect(checkPriceBand(btc, d('33000.01'), mark)?.code).toBe('PRICE_OUT_OF_BAND');
    // ... and one unit of 10^-18 beyond either end.
    expect(checkPriceBand(btc, d('27000') - 1n, mark)?.code).toBe('PRICE_OUT_OF_BAND');
    expect(checkPriceBand(btc, d('33000') + 1n, mark)?.code).toBe('PRICE_OUT_OF_BAND');
  });

  it('says which price, mark and band refused the order', () => {
    expect(checkPriceBand(btc, d('20000'), d('30000'))).toMatchObject({
      code: 'PRICE_OUT_OF_BAND',
      details: { symbol: 'BTC-USD', price: '20000', mark: '30000', bandPercent: '10', low: '27000', high: '33000' },
    });
  });

  it('rounds the ends inward when they need more than 18 digits, accepting the same prices', () => {
    // 10 % below a mark of 3e-18 is 2.7e-18: the lowest price at our scale inside the band is 3e-18.
    expect(priceBand(btc, 3n)).toEqual({ low: 3n, high: 3n });
    expect(checkPriceBand(btc, 3n, 3n)).toBeUndefined();
    expect(checkPriceBand(btc, 2n, 3n)?.details).toMatchObject({ low: '0.000000000000000003', high: '0.000000000000000003' });
  });

  it('allows only the mark itself with a band of 0, and everything down to 0 with a band of 100 % or more', () => {
    const zero = { ...btc, priceBandPercent: 0n };
    expect(checkPriceBand(zero, d('100'), d('100'))).toBeUndefined();
    expect(checkPriceBand(zero, d('100') + 1n, d('100'))?.code).toBe('PRICE_OUT_OF_BAND');
    const wide = { ...btc, priceBandPercent: d('150') };
    expect(checkPriceBand(wide, 1n, d('100'))).toBeUndefined();
    expect(priceBand(wide, d('100'))).toEqual({ low: 0n, high: d('250') });
  });

  it('agrees with |price − mark| ≤ mark × band, and with its own low and high, for any numbers', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 26n }),
        fc.bigInt({ min: 1n, max: 10n ** 26n }),
        fc.bigInt({ min: 0n, max: 200n * ONE }),
        (price, mark, band) => {
          const spec: Pick<SymbolSpec, 'symbol' | 'priceBandPercent'> = { symbol: 'X-USD', priceBandPercent: band };
          const distance = price > mark ? price - mark : mark - price;
          const inside = distance * HUNDRED <= mark * band;
          expect(checkPriceBand(spec, price, mark) === undefined).toBe(inside);
          const { low, high } = priceBand(spec, mark);
          expect(price >= low && price <= high).toBe(inside);
        },
      ),
    );
  });
});

describe('protectionPrice', () => {
  it('moves the mark by the slippage cap against the order', () => {
    // BTC-USD: 2 % of 30000 is 600.
    expect(protectionPrice(btc, 'BUY', d('30000'))).toBe(d('30600'));
    expect(protectionPrice(btc, 'SELL', d('30000'))).toBe(d('29400'));
  });

  it('rounds to the tick toward the mark, so a fill never lands beyond the cap', () => {
    // A mid between two ticks: 30000.005 × 1.02 = 30600.0051 and × 0.98 = 29400.0049.
    expect(protectionPrice(btc, 'BUY', d('30000.005'))).toBe(d('30600'));
    expect(protectionPrice(btc, 'SELL', d('30000.005'))).toBe(d('29400.01'));
  });

  it('gives a BUY no protection price when the capped mark is below one tick', () => {
    expect(protectionPrice(btc, 'BUY', d('0.009'))).toBeUndefined();
    expect(protectionPrice(btc, 'SELL', d('0.009'))).toBe(d('0.01'));
  });

  it('is the mark itself, on the tick, with a cap of 0', () => {
    const noSlippage = { ...btc, marketSlippagePercent: 0n };
    expect(protectionPrice(noSlippage, 'BUY', d('100.005'))).toBe(d('100'));
    expect(protectionPrice(noSlippage, 'SELL', d('100.005'))).toBe(d('100.01'));
  });

  it('is on the tick, within the cap, and less than a tick from it, for any mark, tick and cap', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 26n }),
        fc.bigInt({ min: 1n, max: 10n ** 18n }),
        fc.bigInt({ min: 0n, max: 99n * ONE }),
        (mark, tick, cap) => {
          const spec = { tickSize: tick, marketSlippagePercent: cap };
          // The capped marks, times 100·ONE to stay exact.
          const buyCap = mark * (HUNDRED + cap);
          const sellCap = mark * (HUNDRED - cap);
          const buy = protectionPrice(spec, 'BUY', mark);
          if (buy === undefined) {
            expect(tick * HUNDRED).toBeGreaterThan(buyCap);
          } else {
            expect(buy % tick).toBe(0n);
            expect(buy * HUNDRED).toBeLessThanOrEqual(buyCap);
            expect((buy + tick) * HUNDRED).toBeGreaterThan(buyCap);
          }
          const sell = protectionPrice(spec, 'SELL', mark)!;
          expect(sell % tick).toBe(0n);
          expect(sell).toBeGreaterThan(0n);
          expect(sell * HUNDRED).toBeGreaterThanOrEqual(sellCap);
          expect((sell - tick) * HUNDRED).toBeLessThan(sellCap);
        },
      ),
    );
  });
});

import { parseDecimal } from '../domain/decimal';
import { bpsFor, buyHoldAmount, DEFAULT_FEE_RATES, exactCost, feeOn, feeRatesOf } from './fees';

const d = parseDecimal;

describe('fees', () => {
  it('defaults to 10 bp maker and 20 bp taker; an account may have its own', () => {
    expect(feeRatesOf({})).toEqual({ makerBps: 10, takerBps: 20 });
    expect(feeRatesOf({ feeRates: { makerBps: 0, takerBps: 5 } })).toEqual({ makerBps: 0, takerBps: 5 });
    expect(bpsFor(DEFAULT_FEE_RATES, 'MAKER')).toBe(10n);
    expect(bpsFor(DEFAULT_FEE_RATES, 'TAKER')).toBe(20n);
  });

  it('computes a cost only when it is exact at 18 digits', () => {
    expect(exactCost(d('30000.01'), d('0.00012345'))).toBe(d('3.7035012345'));
    expect(exactCost(d('0.000000001'), d('0.000000001'))).toBe(d('0.000000000000000001'));
    expect(exactCost(d('0.000000001'), d('0.0000000001'))).toBeUndefined();
  });

  it('rounds a fee up to the last unit, never down', () => {
    expect(feeOn(d('6000'), 10n)).toBe(d('6'));
    expect(feeOn(d('3000.001'), 20n)).toBe(d('6.000002'));
    // 7e-18 × 20 / 10000 = 1.4e-20, charged as one unit
    expect(feeOn(d('0.000000000000000007'), 20n)).toBe(1n);
    expect(feeOn(d('0.000000000000000001'), 1n)).toBe(1n);
    expect(feeOn(d('123.45'), 0n)).toBe(0n);
    expect(feeOn(0n, 20n)).toBe(0n);
  });

  it('sizes a buy hold as notional plus the taker fee on it', () => {
    expect(buyHoldAmount(d('15000.005'), DEFAULT_FEE_RATES)).toBe(d('15030.00501'));
    expect(buyHoldAmount(d('100'), { makerBps: 10, takerBps: 0 })).toBe(d('100'));
    expect(buyHoldAmount(d('0.000000000000000007'), DEFAULT_FEE_RATES)).toBe(8n);
  });

  it('never holds less for a buy than any split into fills pays, up to one unit per extra fill', () => {
    // Per-fill fees round up separately, so n fills may pay up to n − 1 units more than the hold's fee.
    const notional = d('0.000000000000001');
    const hold = buyHoldAmount(notional, DEFAULT_FEE_RATES);
    const parts = [d('0.0000000000000004'), d('0.0000000000000006')];
    const paid = parts.reduce((sum, cost) => sum + cost + feeOn(cost, 20n), 0n);
    expect(paid - hold).toBeLessThanOrEqual(BigInt(parts.length - 1));
    expect(paid).toBeGreaterThanOrEqual(hold);
  });
});

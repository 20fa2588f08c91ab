import { mulBps, ONE, type Scaled } from '../domain/decimal';
import type { FeeRates } from '../domain/account';
import type { FillLiquidity } from '../domain/venue-order';

/** Applied to every account without its own `fees` on the account document. */
export const DEFAULT_FEE_RATES: Readonly<FeeRates> = Object.freeze({ makerBps: 10, takerBps: 20 });

export function feeRatesOf(account: { feeRates?: FeeRates }): FeeRates {
  return account.feeRates ?? DEFAULT_FEE_RATES;
}

export function bpsFor(rates: FeeRates, liquidity: FillLiquidity): bigint {
  return BigInt(liquidity === 'MAKER' ? rates.makerBps : rates.takerBps);
}

/**
 * price × quantity when it is exact at our 18-digit scale, otherwise undefined: money that moves must
 * never be rounded, so a fill whose cost needs rounding is refused rather than settled approximately.
 */
export function exactCost(price: Scaled, quantity: Scaled): Scaled | undefined {
  const product = price * quantity;
  return product % ONE === 0n ? product / ONE : undefined;
}

/** The fee on a cost, rounded up: the exchange never undercharges by a rounding unit. */
export function feeOn(cost: Scaled, bps: bigint): Scaled {
  return mulBps(cost, bps, 'UP');
}

/**
 * What a BUY must hold: its notional plus the worst (taker) fee on it, since whether a fill is maker
 * or taker is only known when it happens.
 */
export function buyHoldAmount(notional: Scaled, rates: FeeRates): Scaled {
  return notional + feeOn(notional, BigInt(rates.takerBps));
}

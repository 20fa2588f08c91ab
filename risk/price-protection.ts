import { divideRounded, formatDecimal, ONE, type Scaled } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import type { OrderSide } from '../domain/order';
import type { SymbolSpec } from '../domain/symbols';

/*
 * The two checks the mark price allows, as exact bigint math: percentages are scaled like every other
 * decimal (10 % is 10 × ONE), so "mark × (1 ± p/100)" is mark × (100·ONE ± p) / (100·ONE).
 */
const HUNDRED = 100n * ONE;

/**
 * The band a LIMIT price must lie in: [mark × (1 − band), mark × (1 + band)], both ends included.
 * The comparison is exact; low and high are the band's ends rounded inward to our 18-digit scale,
 * which accept exactly the same prices (every price is on that scale).
 */
export function priceBand(spec: Pick<SymbolSpec, 'priceBandPercent'>, mark: Scaled): { low: Scaled; high: Scaled } {
  const lowNumerator = mark * (HUNDRED - spec.priceBandPercent);
  return {
    low: lowNumerator <= 0n ? 0n : divideRounded(lowNumerator, HUNDRED, 'UP'),
    high: divideRounded(mark * (HUNDRED + spec.priceBandPercent), HUNDRED, 'DOWN'),
  };
}

/** PRICE_OUT_OF_BAND when a LIMIT price strays further from the mark than the symbol's band allows; undefined when it fits. */
export function checkPriceBand(spec: Pick<SymbolSpec, 'symbol' | 'priceBandPercent'>, price: Scaled, mark: Scaled): DomainError | undefined {
  const scaledPrice = price * HUNDRED;
  const inside = scaledPrice >= mark * (HUNDRED - spec.priceBandPercent) && scaledPrice <= mark * (HUNDRED + spec.priceBandPercent);
  if (inside) return undefined;
  const { low, high } = priceBand(spec, mark);
  return new DomainError(
    'PRICE_OUT_OF_BAND',
    `${spec.symbol}: price ${formatDecimal(price)} is outside ±${formatDecimal(spec.priceBandPercent)} % of the mark ${formatDecimal(mark)} (${formatDecimal(low)} to ${formatDecimal(high)})`,
    {
      symbol: spec.symbol,
      price: formatDecimal(price),
      mark: formatDecimal(mark),
      bandPercent: formatDecimal(spec.priceBandPercent),
      low: formatDecimal(low),
      high: formatDecimal(high),
    },
  );
}

/**
 * The worst price a MARKET order may fill at: the mark moved by the symbol's slippage cap against the
 * order (up for a BUY, down for a SELL), then rounded to the tick toward the mark, so a fill never lands
 * beyond the cap (rounding away would allow up to one more tick of slippage than promised). A BUY holds
 * quantity × this price, and the venue gets it as the order's limit, so the hold covers every fill.
 * Undefined when no price on the tick fits (a BUY whose capped mark is below one tick).
 */
export function protectionPrice(spec: Pick<SymbolSpec, 'tickSize' | 'marketSlippagePercent'>, side: OrderSide, mark: Scaled): Scaled | undefined {
  const tick = spec.tickSize;
  if (side === 'BUY') {
    const ticks = divideRounded(mark * (HUNDRED + spec.marketSlippagePercent), HUNDRED * tick, 'DOWN');
    return ticks > 0n ? ticks * tick : undefined;
  }
  // Below 100 % slippage (the symbol table's rule) the capped mark is positive, so at least one tick.
  const ticks = divideRounded(mark * (HUNDRED - spec.marketSlippagePercent), HUNDRED * tick, 'UP');
  return ticks > 0n ? ticks * tick : undefined;
}

import { formatDecimal, ONE, type Scaled } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import type { OrderSide } from '../domain/order';
import type { Account, RiskLimitOverrides } from '../domain/account';

export interface RiskLimits {
  /** Largest price × quantity of one order, in its quote asset (all our quotes are USD). */
  maxOrderNotional: Scaled;
  /** Most orders holding funds at once (= holds on the account). */
  maxOpenOrders: number;
  /** Largest base position per symbol: the base total plus what open buys may still add. */
  maxPosition: Scaled;
  maxPositionBySymbol: Readonly<Record<string, Scaled>>;
}

export const DEFAULT_RISK_LIMITS: Readonly<RiskLimits> = Object.freeze({
  maxOrderNotional: 1_000_000n * ONE,
  maxOpenOrders: 500,
  maxPosition: 100n * ONE,
  maxPositionBySymbol: Object.freeze({}),
});

/** The defaults with the account's overrides on top. Resolved on every check, so a changed default reaches every account without an override. */
export function effectiveLimits(overrides: RiskLimitOverrides | undefined): RiskLimits {
  return {
    maxOrderNotional: overrides?.maxOrderNotional ?? DEFAULT_RISK_LIMITS.maxOrderNotional,
    maxOpenOrders: overrides?.maxOpenOrders ?? DEFAULT_RISK_LIMITS.maxOpenOrders,
    maxPosition: overrides?.maxPosition ?? DEFAULT_RISK_LIMITS.maxPosition,
    maxPositionBySymbol: overrides?.maxPositionBySymbol ?? DEFAULT_RISK_LIMITS.maxPositionBySymbol,
  };
}

export function maxPositionFor(limits: RiskLimits, symbol: string): Scaled {
  return (Object.hasOwn(limits.maxPositionBySymbol, symbol) ? limits.maxPositionBySymbol[symbol] : undefined) ?? limits.maxPosition;
}

/** What a new order would add to the account's exposure. */
export interface OrderExposure {
  symbol: string;
  side: OrderSide;
  baseAsset: string;
  quantity: Scaled;
  /** price × quantity in the quote asset; undefined when no price is known (the notional limit is then not checked). */
  notional: Scaled | undefined;
}

/** Base total plus the unfilled quantity of the account's open buys of the symbol. */
export function currentPosition(account: Pick<Account, 'balances' | 'holds'>, symbol: string, baseAsset: string): Scaled {
  let position = (Object.hasOwn(account.balances, baseAsset) ? account.balances[baseAsset]?.total : undefined) ?? 0n;
  for (const hold of Object.values(account.holds)) {
    if (hold.side === 'BUY' && hold.symbol === symbol) position += hold.openQuantity ?? 0n;
  }
  return position;
}

/** The first limit the order would break, as the refusal to answer; undefined when it fits. */
export function checkLimits(account: Pick<Account, 'balances' | 'holds' | 'limits'>, order: OrderExposure): DomainError | undefined {
  const limits = effectiveLimits(account.limits);
  if (order.notional !== undefined && order.notional > limits.maxOrderNotional) {
    return new DomainError('MAX_ORDER_NOTIONAL_EXCEEDED', `the order's notional ${formatDecimal(order.notional)} is above the limit ${formatDecimal(limits.maxOrderNotional)}`, {
      notional: formatDecimal(order.notional),
      maxOrderNotional: formatDecimal(limits.maxOrderNotional),
    });
  }
  const openOrders = Object.keys(account.holds).length;
  if (openOrders >= limits.maxOpenOrders) {
    return new DomainError('MAX_OPEN_ORDERS_EXCEEDED', `the account already has ${openOrders} open orders (limit ${limits.maxOpenOrders})`, {
      openOrders,
      maxOpenOrders: limits.maxOpenOrders,
    });
  }
  // Only a buy can grow a long position; a sell reduces it.
  if (order.side === 'BUY') {
    const position = currentPosition(account, order.symbol, order.baseAsset);
    const maxPosition = maxPositionFor(limits, order.symbol);
    if (position + order.quantity > maxPosition) {
      return new DomainError('MAX_POSITION_EXCEEDED', `${order.symbol}: position ${formatDecimal(position)} plus ${formatDecimal(order.quantity)} would exceed ${formatDecimal(maxPosition)}`, {
        symbol: order.symbol,
        position: formatDecimal(position),
        quantity: formatDecimal(order.quantity),
        maxPosition: formatDecimal(maxPosition),
      });
    }
  }
  return undefined;
}

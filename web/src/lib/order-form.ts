import { add, cmp, isDecimal, isMultipleOf, mul, toScaled } from './decimal';
import type { OrderType, Side, SymbolRules, TimeInForce } from './types';

export interface OrderForm {
  side: Side;
  type: OrderType;
  quantity: string;
  price: string;
  timeInForce: TimeInForce;
  /** The expiry as typed in a datetime-local input (local time) or an ISO-8601 timestamp. */
  expireAt: string;
  postOnly: boolean;
}

/** The body of POST /api/orders. */
export interface OrderRequest {
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: string;
  price?: string;
  timeInForce?: TimeInForce;
  expireAt?: string;
  postOnly?: boolean;
}

/** The exchange's default fee rates (README, Risk engine): maker 10 bps, taker 20 bps, in the quote asset. */
export const FEE_RATES = { maker: '0.001', taker: '0.002' } as const;

/** The price a notional is computed at: the limit price, or for a market order the best opposite price. */
export function effectivePrice(form: OrderForm, reference: { bestBid: string | null; bestAsk: string | null }): string | null {
  if (form.type === 'LIMIT') return isDecimal(form.price.trim()) ? form.price.trim() : null;
  return form.side === 'BUY' ? reference.bestAsk : reference.bestBid;
}

export function notional(form: OrderForm, price: string | null): string | null {
  const quantity = form.quantity.trim();
  if (price === null || !isDecimal(quantity)) return null;
  return mul(price, quantity);
}

/** A post-only order can only make; anything else may take, so it is estimated at the taker rate. */
export function estimatedFee(form: OrderForm, orderNotional: string | null): string | null {
  if (orderNotional === null) return null;
  return mul(orderNotional, form.type === 'LIMIT' && form.postOnly ? FEE_RATES.maker : FEE_RATES.taker);
}

export interface CheckResult {
  /** What is wrong, in words, one per problem; empty when the order may be sent. */
  problems: string[];
  body: OrderRequest | null;
}

/**
 * The symbol's static rules checked before sending (the same rules the API applies, domain/order.ts): a positive
 * price on the tick, a quantity on the lot within min/max, the minimum notional, time in force and post-only.
 * The API stays the judge: whatever it refuses anyway is shown with its code.
 */
export function checkOrder(form: OrderForm, rules: SymbolRules, now: Date, marketPrice: string | null = null): CheckResult {
  const problems: string[] = [];
  const quantity = form.quantity.trim();
  const price = form.price.trim();
  if (rules.status === 'HALTED') problems.push(`${rules.symbol} is halted`);

  if (quantity === '') problems.push('Quantity is required');
  else if (!isDecimal(quantity) || toScaled(quantity) <= 0n) problems.push('Quantity must be a positive number');
  else {
    if (!isMultipleOf(quantity, rules.lotSize)) problems.push(`Quantity must be a multiple of the lot size ${rules.lotSize}`);
    if (cmp(quantity, rules.minQuantity) < 0) problems.push(`Quantity is below the minimum ${rules.minQuantity}`);
    if (cmp(quantity, rules.maxQuantity) > 0) problems.push(`Quantity is above the maximum ${rules.maxQuantity}`);
  }

  let priced: string | null = null;
  if (form.type === 'LIMIT') {
    if (price === '') problems.push('Price is required for a limit order');
    else if (!isDecimal(price) || toScaled(price) <= 0n) problems.push('Price must be a positive number');
    else if (!isMultipleOf(price, rules.tickSize)) problems.push(`Price must be a multiple of the tick size ${rules.tickSize}`);
    else priced = price;
  } else {
    priced = marketPrice;
  }
  if (priced !== null && isDecimal(quantity) && toScaled(quantity) > 0n && cmp(mul(priced, quantity), rules.minNotional) < 0) {
    problems.push(`Notional is below the minimum ${rules.minNotional} ${rules.quoteAsset}`);
  }

  let expireAt: string | undefined;
  if (form.type === 'LIMIT' && form.timeInForce === 'GTD') {
    const when = form.expireAt.trim() === '' ? Number.NaN : Date.parse(form.expireAt);
    if (Number.isNaN(when)) problems.push('Expiry is required for GTD');
    else if (when <= now.getTime()) problems.push('Expiry must be in the future');
    else expireAt = new Date(when).toISOString();
  }
  if (form.postOnly && (form.type !== 'LIMIT' || form.timeInForce === 'IOC' || form.timeInForce === 'FOK')) {
    problems.push('Post-only needs a limit order that rests (GTC or GTD)');
  }
  if (problems.length > 0) return { problems, body: null };

  const body: OrderRequest = { symbol: rules.symbol, side: form.side, type: form.type, quantity };
  if (form.type === 'LIMIT') {
    body.price = price;
    body.timeInForce = form.timeInForce;
    if (expireAt !== undefined) body.expireAt = expireAt;
    if (form.postOnly) body.postOnly = true;
  }
  return { problems, body };
}

/** What the order takes from the balance: the quote asset for a buy (notional and fee), the base asset for a sell. */
export function fundsNeeded(form: OrderForm, rules: SymbolRules, orderNotional: string | null, fee: string | null): { asset: string; amount: string | null } {
  if (form.side === 'SELL') return { asset: rules.baseAsset, amount: isDecimal(form.quantity.trim()) ? form.quantity.trim() : null };
  if (orderNotional === null) return { asset: rules.quoteAsset, amount: null };
  return { asset: rules.quoteAsset, amount: fee === null ? orderNotional : add(orderNotional, fee) };
}

/**
 * One Idempotency-Key per submission: the same order sent again after a network error (no answer came, so the
 * first may have been placed) reuses the key, so the API replays the first answer instead of placing a second
 * order. Any answer from the API, or a different order, starts a new submission.
 */
export interface PendingSubmission {
  key: string;
  body: string;
}

export function submissionFor(pending: PendingSubmission | null, body: OrderRequest, freshKey: () => string): PendingSubmission {
  const text = JSON.stringify(body);
  return pending !== null && pending.body === text ? pending : { key: freshKey(), body: text };
}

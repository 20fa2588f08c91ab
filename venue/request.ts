import { formatDecimal, isMultipleOf, type Scaled } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import type { SymbolRegistry } from '../domain/symbols';
import { parseShape } from '../domain/validation-issues';
import { positiveDecimal } from '../infra/http/request';
import { SubmitOrderBodySchema, type VenueOrderRequest } from './schemas';

/**
 * The submit body: its shape, then what the matching engine relies on (price on the tick grid, quantity on the
 * lot grid, quantity at most the symbol's maximum, price only for LIMIT, post-only only for resting LIMIT orders).
 * The minimum size and notional are the order API's and the risk engine's to enforce.
 */
export function parseSubmitOrder(body: unknown, symbols: SymbolRegistry): VenueOrderRequest {
  const input = parseShape(SubmitOrderBodySchema, body, 'body');
  const spec = symbols.get(input.symbol);
  if (spec === undefined) {
    throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${input.symbol}`, { symbol: input.symbol, known: symbols.list().map((s) => s.symbol) });
  }
  if (spec.status === 'HALTED') throw new DomainError('SYMBOL_HALTED', `${spec.symbol} is halted`, { symbol: spec.symbol });
  const quantity = positiveDecimal('quantity', input.quantity);
  if (!isMultipleOf(quantity, spec.lotSize)) {
    throw new DomainError('INVALID_QUANTITY_LOT', `quantity must be a multiple of the lot size of ${spec.symbol}`, { field: 'quantity', value: input.quantity });
  }
  // The matching engine would take any size; the symbol's maximum is the venue's to enforce as well (an order larger
  // than any the order API accepts can only come from a caller that skipped it).
  if (quantity > spec.maxQuantity) {
    throw new DomainError('QUANTITY_TOO_LARGE', `quantity is above the maximum ${formatDecimal(spec.maxQuantity)} for ${spec.symbol}`, {
      field: 'quantity',
      value: input.quantity,
      maxQuantity: formatDecimal(spec.maxQuantity),
    });
  }
  let price: Scaled | null = null;
  if (input.type === 'LIMIT') {
    if (input.price === null) throw new DomainError('PRICE_REQUIRED', 'a LIMIT order needs a price', { field: 'price' });
    price = positiveDecimal('price', input.price);
    if (!isMultipleOf(price, spec.tickSize)) {
      throw new DomainError('INVALID_PRICE_TICK', `price must be a multiple of the tick size of ${spec.symbol}`, { field: 'price', value: input.price });
    }
  } else if (input.price !== null) {
    throw new DomainError('PRICE_NOT_ALLOWED', 'a MARKET order takes no price (send null)', { field: 'price' });
  }
  let protectionPrice: Scaled | null = null;
  if (input.protectionPrice !== null) {
    if (input.type !== 'MARKET') throw new DomainError('PRICE_NOT_ALLOWED', 'protectionPrice is for MARKET orders only', { field: 'protectionPrice' });
    protectionPrice = positiveDecimal('protectionPrice', input.protectionPrice);
    if (!isMultipleOf(protectionPrice, spec.tickSize)) {
      throw new DomainError('INVALID_PRICE_TICK', `protectionPrice must be a multiple of the tick size of ${spec.symbol}`, { field: 'protectionPrice', value: input.protectionPrice });
    }
  }
  // As in the order API: post-only is for an order that can rest, a LIMIT with GTC or GTD.
  if (input.postOnly && (input.type !== 'LIMIT' || input.timeInForce === 'IOC' || input.timeInForce === 'FOK')) {
    throw new DomainError('POST_ONLY_REQUIRES_LIMIT', 'post-only is for LIMIT orders with timeInForce GTC or GTD', { field: 'postOnly' });
  }
  return {
    orderId: input.orderId,
    accountId: input.accountId,
    symbol: spec.symbol,
    side: input.side,
    type: input.type,
    quantity,
    price,
    protectionPrice,
    timeInForce: input.timeInForce,
    postOnly: input.postOnly,
    reportsInAnswer: input.reportsInAnswer,
  };
}

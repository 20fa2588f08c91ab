import { parse as parseLosslessJson } from 'lossless-json';
import * as v from 'valibot';
import { jsonNumberToDecimalString, tryParseDecimal, type Scaled } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import { ORDER_SIDES, ORDER_TYPES, TIME_IN_FORCES, validateOrderRules, type OrderTerms } from '../domain/order';
import type { SymbolRegistry } from '../domain/symbols';
import { parseShape } from '../domain/validation-issues';

const decimalField = (what: string) =>
  v.pipe(
    v.string('must be a decimal string such as "0.5" (a JSON number is accepted only when it converts exactly)'),
    v.description(`${what}, a decimal string`),
    v.examples(['0.5']),
  );

/** The body of `POST /api/orders`. `orderType` is accepted for `type` (the original design's name). */
export const PlaceOrderBodySchema = v.strictObject({
  symbol: v.pipe(v.string(), v.description('BTC-USD (BTC/USD accepted)'), v.examples(['BTC-USD'])),
  side: v.picklist(ORDER_SIDES),
  type: v.optional(v.picklist(ORDER_TYPES)),
  orderType: v.optional(v.picklist(ORDER_TYPES)),
  quantity: decimalField('quantity in the base asset'),
  price: v.optional(decimalField('limit price in the quote asset; LIMIT only')),
  timeInForce: v.optional(v.picklist(TIME_IN_FORCES), 'GTC'),
  expireAt: v.optional(v.pipe(v.string(), v.description('ISO-8601 timestamp with a zone; GTD only'))),
  postOnly: v.optional(v.boolean(), false),
  clientOrderId: v.optional(
    v.pipe(v.string(), v.regex(/^[\w.:-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . : -')),
  ),
});
export type PlaceOrderBodyInput = v.InferInput<typeof PlaceOrderBodySchema>;

export interface PlaceOrderRequest {
  symbol: string;
  clientOrderId: string | null;
  terms: OrderTerms;
}

/**
 * Parses JSON without losing a number's digits: every JSON number becomes its exact decimal string,
 * so `0.1` stays "0.1" and a number with more digits than we keep is refused instead of rounded.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return parseLosslessJson(text, null, (source) => jsonNumberToDecimalString(source) ?? source);
  } catch (error) {
    throw new DomainError('MALFORMED_JSON', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function parseDecimalField(field: string, text: string): Scaled {
  const parsed = tryParseDecimal(text);
  if (parsed.ok) return parsed.value;
  throw new DomainError(parsed.code, `${field}: ${parsed.message}`, { field, value: text });
}

/** Shape, decimals, symbol and the symbol's static rules: the first problem as a DomainError. */
export function parsePlaceOrder(body: unknown, symbols: SymbolRegistry, nowIso: string): PlaceOrderRequest {
  const input = parseShape(PlaceOrderBodySchema, body, 'body');
  if (input.type !== undefined && input.orderType !== undefined && input.type !== input.orderType) {
    throw new DomainError('VALIDATION_FAILED', 'type and orderType disagree; send one of them', { type: input.type, orderType: input.orderType });
  }
  const type = input.type ?? input.orderType;
  if (type === undefined) {
    throw new DomainError('VALIDATION_FAILED', 'type: LIMIT or MARKET is required', { issues: [{ path: 'type', message: 'required' }] });
  }
  const spec = symbols.get(input.symbol);
  if (!spec) {
    throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${input.symbol}`, { symbol: input.symbol, known: symbols.list().map((s) => s.symbol) });
  }
  const terms: OrderTerms = {
    side: input.side,
    type,
    quantity: parseDecimalField('quantity', input.quantity),
    price: input.price === undefined ? null : parseDecimalField('price', input.price),
    timeInForce: input.timeInForce,
    expireAt: input.expireAt ?? null,
    postOnly: input.postOnly,
  };
  const broken = validateOrderRules(spec, terms, nowIso);
  if (broken) throw broken;
  return { symbol: spec.symbol, clientOrderId: input.clientOrderId ?? null, terms };
}

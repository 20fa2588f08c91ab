// The stable error codes of the whole system. Clients branch on these, so a code is never renamed or reused;
// the HTTP status for each code is decided in api/, not here.
export const ErrorCode = {
  // request shape
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  MALFORMED_JSON: 'MALFORMED_JSON',
  INVALID_DECIMAL: 'INVALID_DECIMAL',
  TOO_PRECISE: 'TOO_PRECISE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  // symbol and order rules
  UNKNOWN_SYMBOL: 'UNKNOWN_SYMBOL',
  SYMBOL_HALTED: 'SYMBOL_HALTED',
  INVALID_PRICE_TICK: 'INVALID_PRICE_TICK',
  INVALID_QUANTITY_LOT: 'INVALID_QUANTITY_LOT',
  QUANTITY_TOO_SMALL: 'QUANTITY_TOO_SMALL',
  QUANTITY_TOO_LARGE: 'QUANTITY_TOO_LARGE',
  NOTIONAL_TOO_SMALL: 'NOTIONAL_TOO_SMALL',
  PRICE_REQUIRED: 'PRICE_REQUIRED',
  PRICE_NOT_ALLOWED: 'PRICE_NOT_ALLOWED',
  EXPIRE_AT_REQUIRED: 'EXPIRE_AT_REQUIRED',
  EXPIRE_AT_NOT_ALLOWED: 'EXPIRE_AT_NOT_ALLOWED',
  EXPIRE_AT_IN_PAST: 'EXPIRE_AT_IN_PAST',
  POST_ONLY_REQUIRES_LIMIT: 'POST_ONLY_REQUIRES_LIMIT',
  // authentication and idempotency
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  IDEMPOTENCY_KEY_REQUIRED: 'IDEMPOTENCY_KEY_REQUIRED',
  IDEMPOTENCY_KEY_INVALID: 'IDEMPOTENCY_KEY_INVALID',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'IDEMPOTENCY_KEY_IN_FLIGHT',
  RATE_LIMITED: 'RATE_LIMITED',
  // order lifecycle
  ORDER_NOT_FOUND: 'ORDER_NOT_FOUND',
  ORDER_TERMINAL: 'ORDER_TERMINAL',
  DUPLICATE_FILL: 'DUPLICATE_FILL',
  OVERFILL: 'OVERFILL',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  // settlement: a fill the risk engine holds nothing for, or one its order could not have made
  FILL_NOT_HELD: 'FILL_NOT_HELD',
  FILL_MISMATCH: 'FILL_MISMATCH',
  FILL_PRICE_BEYOND_LIMIT: 'FILL_PRICE_BEYOND_LIMIT',
  // a fill the venue, asked directly, does not have term for term (money moves only through fills the venue made)
  FILL_NOT_AT_VENUE: 'FILL_NOT_AT_VENUE',
  // the venue: ids it keeps for its own orders (liquidity) are not the caller's to act on
  ORDER_ID_RESERVED: 'ORDER_ID_RESERVED',
  // a release of the funds of an order the venue can still fill, or whose fills are not all settled yet
  ORDER_NOT_TERMINAL: 'ORDER_NOT_TERMINAL',
  // risk
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  MAX_ORDER_NOTIONAL_EXCEEDED: 'MAX_ORDER_NOTIONAL_EXCEEDED',
  MAX_OPEN_ORDERS_EXCEEDED: 'MAX_OPEN_ORDERS_EXCEEDED',
  MAX_POSITION_EXCEEDED: 'MAX_POSITION_EXCEEDED',
  PRICE_OUT_OF_BAND: 'PRICE_OUT_OF_BAND',
  MARKET_DATA_UNAVAILABLE: 'MARKET_DATA_UNAVAILABLE',
  // an admin turned the account's trading off (PUT /api/admin/accounts/{accountId}/trading)
  ACCOUNT_DISABLED: 'ACCOUNT_DISABLED',
  // market data WebSocket (a frame that is not JSON is MALFORMED_JSON, one over the size limit PAYLOAD_TOO_LARGE,
  // a bad API key UNAUTHENTICATED, as on REST)
  BAD_FRAME: 'BAD_FRAME',
  UNKNOWN_OP: 'UNKNOWN_OP',
  UNKNOWN_CHANNEL: 'UNKNOWN_CHANNEL',
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  // market data queries
  INVALID_INTERVAL: 'INVALID_INTERVAL',
  INVALID_TIME_RANGE: 'INVALID_TIME_RANGE',
  // admin
  ACCOUNT_NOT_FOUND: 'ACCOUNT_NOT_FOUND',
  // the dead letters of a topic that is never replayed (price-feeds, prices: infra/kafka/topics.ts REPLAYABLE_TOPICS)
  REPLAY_NOT_ALLOWED: 'REPLAY_NOT_ALLOWED',
  // generic
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));

const errorCodeSet: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && errorCodeSet.has(value);
}

/**
 * An expected business failure with a stable code. The type parameter lets a narrower error
 * (e.g. DecimalError) promise which codes it can carry.
 */
export class DomainError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  // `declare`: a plain field would be defined as undefined even when no details are given.
  declare readonly details?: Record<string, unknown>;

  constructor(code: C, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}

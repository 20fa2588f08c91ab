import { DomainError, ERROR_CODES, ErrorCode, isDomainError, isErrorCode } from './errors';

const REQUIRED_CODES = [
  'VALIDATION_FAILED', 'MALFORMED_JSON', 'INVALID_DECIMAL', 'TOO_PRECISE', 'UNKNOWN_SYMBOL', 'SYMBOL_HALTED',
  'INVALID_PRICE_TICK', 'INVALID_QUANTITY_LOT', 'QUANTITY_TOO_SMALL', 'QUANTITY_TOO_LARGE', 'NOTIONAL_TOO_SMALL',
  'PRICE_REQUIRED', 'PRICE_NOT_ALLOWED', 'EXPIRE_AT_REQUIRED', 'EXPIRE_AT_NOT_ALLOWED', 'EXPIRE_AT_IN_PAST',
  'POST_ONLY_REQUIRES_LIMIT', 'UNAUTHENTICATED', 'FORBIDDEN', 'IDEMPOTENCY_KEY_REQUIRED', 'IDEMPOTENCY_KEY_INVALID',
  'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_KEY_IN_FLIGHT', 'PAYLOAD_TOO_LARGE', 'ORDER_NOT_FOUND', 'ORDER_TERMINAL',
  'INSUFFICIENT_BALANCE', 'MAX_ORDER_NOTIONAL_EXCEEDED', 'MAX_OPEN_ORDERS_EXCEEDED', 'MAX_POSITION_EXCEEDED',
  'PRICE_OUT_OF_BAND', 'MARKET_DATA_UNAVAILABLE', 'DUPLICATE_FILL', 'OVERFILL', 'INVALID_TRANSITION', 'RATE_LIMITED',
  'NOT_FOUND', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR', 'BAD_FRAME', 'UNKNOWN_OP', 'UNKNOWN_CHANNEL', 'AUTH_REQUIRED',
  'TOO_MANY_SUBSCRIPTIONS', 'TOO_MANY_CONNECTIONS',
];

describe('ErrorCode', () => {
  it('contains every code the system relies on', () => {
    expect([...ERROR_CODES].sort()).toEqual(expect.arrayContaining(REQUIRED_CODES));
  });

  it('maps each key to itself, in SCREAMING_SNAKE, without duplicates', () => {
    for (const [key, value] of Object.entries(ErrorCode)) {
      expect(value).toBe(key);
      expect(value).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    }
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('isErrorCode accepts codes only', () => {
    expect(isErrorCode('OVERFILL')).toBe(true);
    expect(isErrorCode('overfill')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});

describe('DomainError', () => {
  it('carries a code, a message and optional details', () => {
    const error = new DomainError('INSUFFICIENT_BALANCE', 'not enough USD', { asset: 'USD' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe('INSUFFICIENT_BALANCE');
    expect(error.message).toBe('not enough USD');
    expect(error.details).toEqual({ asset: 'USD' });
    expect(error.stack).toBeDefined();
  });

  it('leaves details absent when none are given', () => {
    const error = new DomainError('NOT_FOUND', 'nope');
    expect('details' in error).toBe(false);
  });

  it('is recognised by isDomainError', () => {
    expect(isDomainError(new DomainError('INTERNAL_ERROR', 'x'))).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'INTERNAL_ERROR', message: 'x' })).toBe(false);
  });
});

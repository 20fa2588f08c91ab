import { DomainError } from './errors';

// One global scale for prices, quantities, amounts and fees, so values of different kinds can be
// added and compared without rescaling. 18 digits covers every asset precision we expect (ETH uses 18).
export const DECIMAL_SCALE = 18;
export const ONE = 10n ** 18n;

/** A decimal number stored as an integer count of 10^-18 units. */
export type Scaled = bigint;

/**
 * Longest accepted decimal text: a sign, 20 integer digits, a point and 18 fractional digits.
 * Bounds the work a hostile input can cause and keeps every accepted value far from any limit.
 */
export const MAX_DECIMAL_LENGTH = 40;

export type DecimalErrorCode = 'INVALID_DECIMAL' | 'TOO_PRECISE';

export class DecimalError extends DomainError<DecimalErrorCode> {
  constructor(code: DecimalErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = 'DecimalError';
  }
}

export type DecimalParseResult =
  | { ok: true; value: Scaled }
  | { ok: false; code: DecimalErrorCode; message: string };

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function tryParseDecimal(text: string): DecimalParseResult {
  if (text.length > MAX_DECIMAL_LENGTH) {
    return { ok: false, code: 'INVALID_DECIMAL', message: `decimal is longer than ${MAX_DECIMAL_LENGTH} characters` };
  }
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) {
    return {
      ok: false,
      code: 'INVALID_DECIMAL',
      message: `"${text}" is not a plain decimal string (expected e.g. "123", "-0.5"; no exponent, no spaces)`,
    };
  }
  const [, sign = '', intPart = '', fracPart = ''] = match;
  if (fracPart.length > DECIMAL_SCALE) {
    return { ok: false, code: 'TOO_PRECISE', message: `decimal has more than ${DECIMAL_SCALE} fractional digits` };
  }
  const magnitude = BigInt(intPart + fracPart.padEnd(DECIMAL_SCALE, '0'));
  return { ok: true, value: sign === '-' ? -magnitude : magnitude };
}

/** Parses a plain decimal string; throws DecimalError (INVALID_DECIMAL or TOO_PRECISE). */
export function parseDecimal(text: string): Scaled {
  const result = tryParseDecimal(text);
  if (!result.ok) throw new DecimalError(result.code, result.message);
  return result.value;
}

/** Canonical text: no exponent, no trailing fractional zeros, "0" for zero. */
export function formatDecimal(value: Scaled): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const intPart = (magnitude / ONE).toString();
  const fracPart = (magnitude % ONE).toString().padStart(DECIMAL_SCALE, '0').replace(/0+$/, '');
  const unsigned = fracPart === '' ? intPart : `${intPart}.${fracPart}`;
  return negative ? `-${unsigned}` : unsigned;
}

const JSON_NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
// Generous for real inputs, and keeps exponent handling cheap.
const MAX_JSON_NUMBER_LENGTH = 200;
const MAX_INTEGER_DIGITS = MAX_DECIMAL_LENGTH - DECIMAL_SCALE - 2;

/**
 * Converts the exact source text of a JSON number literal to a canonical decimal string, or
 * undefined when it is not a JSON number, needs more than 18 fractional digits, or is larger than
 * parseDecimal accepts. The result always round-trips through parseDecimal.
 */
export function jsonNumberToDecimalString(sourceText: string): string | undefined {
  if (sourceText.length > MAX_JSON_NUMBER_LENGTH) return undefined;
  const match = JSON_NUMBER.exec(sourceText);
  if (!match) return undefined;
  const [, sign = '', intPart = '', fracPart = '', expPart = '0'] = match;

  // value = digits × 10^exponent, with the digits' trailing zeros folded into the exponent
  let digits = (intPart + fracPart).replace(/^0+/, '');
  if (digits === '') return '0';
  const trailingZeros = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailingZeros);
  // Number() is exact here: the text has at most 200 characters, so |exponent| < 10^200 stays
  // comparable, and the bounds below reject anything that is not a small integer.
  const exponent = Number(expPart) - fracPart.length + trailingZeros;

  if (exponent < -DECIMAL_SCALE) return undefined;
  if (digits.length + exponent > MAX_INTEGER_DIGITS) return undefined;
  const magnitude = BigInt(digits) * 10n ** BigInt(DECIMAL_SCALE + exponent);
  return formatDecimal(sign === '-' ? -magnitude : magnitude);
}

/** DOWN rounds toward zero, UP away from zero, HALF_EVEN to the nearest (ties to even). */
export type Rounding = 'DOWN' | 'UP' | 'HALF_EVEN';

/** numerator / denominator as an integer, rounded as asked. */
export function divideRounded(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  const awayFromZero = quotient + ((numerator < 0n) !== (denominator < 0n) ? -1n : 1n);
  switch (rounding) {
    case 'DOWN':
      return quotient;
    case 'UP':
      return awayFromZero;
    case 'HALF_EVEN': {
      const twiceRemainder = abs(remainder) * 2n;
      const absDenominator = abs(denominator);
      if (twiceRemainder < absDenominator) return quotient;
      if (twiceRemainder > absDenominator) return awayFromZero;
      return quotient % 2n === 0n ? quotient : awayFromZero;
    }
  }
}

export function mul(a: Scaled, b: Scaled, rounding: Rounding): Scaled {
  return divideRounded(a * b, ONE, rounding);
}

/** Throws RangeError when b is zero. */
export function div(a: Scaled, b: Scaled, rounding: Rounding): Scaled {
  return divideRounded(a * ONE, b, rounding);
}

/** amount × bps / 10000, where bps is a plain integer count of basis points (not scaled). */
export function mulBps(amount: Scaled, bps: bigint, rounding: Rounding): Scaled {
  return divideRounded(amount * bps, 10_000n, rounding);
}

/** True when value is an integer multiple of step (zero included). step must be positive. */
export function isMultipleOf(value: Scaled, step: Scaled): boolean {
  if (step <= 0n) throw new RangeError('step must be positive');
  return value % step === 0n;
}

export function min(a: Scaled, b: Scaled): Scaled {
  return a < b ? a : b;
}

export function max(a: Scaled, b: Scaled): Scaled {
  return a > b ? a : b;
}

export function abs(a: Scaled): Scaled {
  return a < 0n ? -a : a;
}

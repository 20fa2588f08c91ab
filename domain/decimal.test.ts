import fc from 'fast-check';
import {
  abs,
  DECIMAL_SCALE,
  DecimalError,
  div,
  divideRounded,
  formatDecimal,
  isMultipleOf,
  jsonNumberToDecimalString,
  max,
  MAX_DECIMAL_LENGTH,
  min,
  mul,
  mulBps,
  ONE,
  parseDecimal,
  tryParseDecimal,
  type Rounding,
} from './decimal';
import { DomainError } from './errors';

const d = parseDecimal;
// Every value whose canonical text fits MAX_DECIMAL_LENGTH: |x| < 10^20 whole units.
const LIMIT = 10n ** 38n - 1n;
const scaled = fc.bigInt({ min: -LIMIT, max: LIMIT });
const roundings: Rounding[] = ['DOWN', 'UP', 'HALF_EVEN'];

describe('constants', () => {
  it('use one global scale of 18 digits', () => {
    expect(DECIMAL_SCALE).toBe(18);
    expect(ONE).toBe(1_000_000_000_000_000_000n);
  });
});

describe('parseDecimal', () => {
  it.each([
    ['0', 0n],
    ['-0', 0n],
    ['1', ONE],
    ['-1', -ONE],
    ['0.5', ONE / 2n],
    ['00012.50', 12n * ONE + ONE / 2n],
    ['0.000000000000000001', 1n],
    ['-0.000000000000000001', -1n],
    ['123456789.123456789', 123456789_123456789_000000000n],
    ['99999999999999999999.999999999999999999', 10n ** 38n - 1n],
    ['-99999999999999999999.999999999999999999', -(10n ** 38n - 1n)],
  ])('parses %s', (text, expected) => {
    expect(parseDecimal(text)).toBe(expected);
  });

  it.each([
    '', '-', '.', '.5', '5.', '+1', '1e5', '1E-5', ' 1', '1 ', '1,5', '0x10', 'NaN', 'Infinity',
    '--1', '1.2.3', '١', '1_000', '- 1', '0.-1',
  ])('rejects %j as INVALID_DECIMAL', (text) => {
    const result = tryParseDecimal(text);
    expect(result).toMatchObject({ ok: false, code: 'INVALID_DECIMAL' });
    expect(() => parseDecimal(text)).toThrow(DecimalError);
  });

  it('rejects more than 18 fractional digits as TOO_PRECISE', () => {
    expect(tryParseDecimal('0.0000000000000000001')).toMatchObject({ ok: false, code: 'TOO_PRECISE' });
    // Trailing zeros count: the wire contract is "at most 18 fractional digits", not "value representable".
    expect(tryParseDecimal('1.0000000000000000000')).toMatchObject({ ok: false, code: 'TOO_PRECISE' });
  });

  it('rejects text longer than the length limit', () => {
    expect(tryParseDecimal('1'.repeat(MAX_DECIMAL_LENGTH))).toMatchObject({ ok: true });
    expect(tryParseDecimal('1'.repeat(MAX_DECIMAL_LENGTH + 1))).toMatchObject({ ok: false, code: 'INVALID_DECIMAL' });
    expect(tryParseDecimal('9'.repeat(100_000))).toMatchObject({ ok: false, code: 'INVALID_DECIMAL' });
  });

  it('throws a DecimalError that is a DomainError with a stable code', () => {
    try {
      parseDecimal('0.1234567890123456789');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(DecimalError);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ name: 'DecimalError', code: 'TOO_PRECISE' });
    }
  });

  it('accepts exactly what the documented grammar accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        const grammar = /^-?\d+(\.\d{1,18})?$/.test(text);
        expect(tryParseDecimal(text).ok).toBe(grammar);
      }),
    );
  });
});

describe('formatDecimal', () => {
  it.each([
    [0n, '0'],
    [ONE, '1'],
    [-ONE, '-1'],
    [1n, '0.000000000000000001'],
    [-1n, '-0.000000000000000001'],
    [ONE / 2n, '0.5'],
    [-ONE / 2n, '-0.5'],
    [1234n * ONE + ONE / 100n, '1234.01'],
    [10n * ONE, '10'],
    [10n ** 40n, '10000000000000000000000'],
  ])('formats %p as %s', (value, expected) => {
    expect(formatDecimal(value)).toBe(expected);
  });

  it('round-trips: parse(format(x)) === x', () => {
    fc.assert(fc.property(scaled, (x) => expect(parseDecimal(formatDecimal(x))).toBe(x)));
  });

  it('is canonical: no exponent, no trailing zeros or point, no "-0"', () => {
    fc.assert(
      fc.property(scaled, (x) => {
        const text = formatDecimal(x);
        expect(text).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
        expect(text).not.toBe('-0');
      }),
    );
  });

  it('format(parse(text)) is the canonical spelling of the same value', () => {
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: n });
    fc.assert(
      fc.property(fc.boolean(), digits(20), fc.option(digits(18)), (negative, intPart, fracPart) => {
        const text = `${negative ? '-' : ''}${intPart}${fracPart === null ? '' : `.${fracPart}`}`;
        const canonical = formatDecimal(parseDecimal(text));
        expect(parseDecimal(canonical)).toBe(parseDecimal(text));
        expect(formatDecimal(parseDecimal(canonical))).toBe(canonical);
      }),
    );
  });
});

describe('jsonNumberToDecimalString', () => {
  it.each([
    ['0', '0'],
    ['-0', '0'],
    ['1', '1'],
    ['-1', '-1'],
    ['0.5', '0.5'],
    ['0.50', '0.5'],
    ['1e-8', '0.00000001'],
    ['1E-8', '0.00000001'],
    ['2.5E+3', '2500'],
    ['2.5e3', '2500'],
    ['-2.5e-3', '-0.0025'],
    ['12.345e1', '123.45'],
    ['100e-2', '1'],
    ['0e999999999999', '0'],
    ['0.0e-999999999999', '0'],
    ['1e-18', '0.000000000000000001'],
    ['1.0000000000000000000', '1'],
    ['0.1000000000000000000000000000', '0.1'],
    ['123456789012345678901234567890e-18', '123456789012.34567890123456789'],
    ['1e19', '10000000000000000000'],
    ['99999999999999999999.999999999999999999', '99999999999999999999.999999999999999999'],
    ['1e0000000000000000000000000000000000005', '100000'],
  ])('converts %s to %s', (source, expected) => {
    expect(jsonNumberToDecimalString(source)).toBe(expected);
  });

  it.each([
    '1e-19', '0.0000000000000000001', '1.5e-18', '123e-20', '1.0000000000000000001',
  ])('refuses %s: more than 18 fractional digits', (source) => {
    expect(jsonNumberToDecimalString(source)).toBeUndefined();
  });

  it.each(['1e20', '1e999999999999', '-1e400', '123456789012345678901'])('refuses %s: beyond parseDecimal range', (source) => {
    expect(jsonNumberToDecimalString(source)).toBeUndefined();
  });

  it.each([
    '', '-', '+1', '01', '-01', '.5', '5.', '1.e5', '1e', '1e+', 'e5', '0x1', 'NaN', 'Infinity', '-Infinity',
    ' 1', '1 ', '"1"', '1_0', '1.5.2', `1${'0'.repeat(300)}`,
  ])('refuses %j: not a JSON number literal', (source) => {
    expect(jsonNumberToDecimalString(source)).toBeUndefined();
  });

  it('agrees with formatDecimal for every plain decimal JSON would write', () => {
    fc.assert(
      fc.property(scaled, (x) => {
        const text = formatDecimal(x);
        expect(jsonNumberToDecimalString(text)).toBe(text);
      }),
    );
  });

  it('is exact wherever the decimal point and exponent are placed', () => {
    fc.assert(
      fc.property(scaled.filter((x) => x !== 0n), fc.nat(), (x, cut) => {
        // x = digits × 10^-18; move the point `p` digits in and compensate in the exponent.
        const digits = abs(x).toString();
        const p = 1 + (cut % digits.length);
        const mantissa = p === digits.length ? digits : `${digits.slice(0, p)}.${digits.slice(p)}`;
        const source = `${x < 0n ? '-' : ''}${mantissa}e${digits.length - p - DECIMAL_SCALE}`;
        expect(jsonNumberToDecimalString(source)).toBe(formatDecimal(x));
      }),
    );
  });

  it('converts exactly when the value fits, and refuses otherwise (bigint oracle)', () => {
    const literal = fc
      .tuple(
        fc.boolean(),
        fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,24}$/)),
        fc.option(fc.stringMatching(/^\d{1,25}$/)),
        fc.option(fc.integer({ min: -45, max: 45 })),
      )
      .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`);
    fc.assert(
      fc.property(literal, (source) => {
        // The exact value is sign × digits × 10^power units of 10^-18.
        const match = /^(-?)(\d+)(?:\.(\d+))?(?:e(-?\d+))?$/.exec(source)!;
        const mantissa = BigInt(`${match[2]}${match[3] ?? ''}`) * (match[1] === '-' ? -1n : 1n);
        const power = Number(match[4] ?? '0') - (match[3]?.length ?? 0) + DECIMAL_SCALE;
        const divisor = 10n ** BigInt(Math.max(0, -power));
        const exact = power >= 0 ? mantissa * 10n ** BigInt(power) : mantissa / divisor;
        const representable = mantissa % divisor === 0n && abs(exact) <= LIMIT;

        const result = jsonNumberToDecimalString(source);
        expect(result === undefined ? undefined : parseDecimal(result)).toBe(representable ? exact : undefined);
      }),
    );
  });
});

describe('divideRounded', () => {
  it.each<[bigint, bigint, Rounding, bigint]>([
    [7n, 2n, 'DOWN', 3n],
    [7n, 2n, 'UP', 4n],
    [7n, 2n, 'HALF_EVEN', 4n],
    [5n, 2n, 'HALF_EVEN', 2n],
    [-5n, 2n, 'HALF_EVEN', -2n],
    [-7n, 2n, 'HALF_EVEN', -4n],
    [-7n, 2n, 'DOWN', -3n],
    [-7n, 2n, 'UP', -4n],
    [7n, -2n, 'UP', -4n],
    [-7n, -2n, 'UP', 4n],
    [10n, 3n, 'HALF_EVEN', 3n],
    [11n, 3n, 'HALF_EVEN', 4n],
    [-11n, 3n, 'HALF_EVEN', -4n],
    [6n, 3n, 'UP', 2n],
    [0n, 3n, 'UP', 0n],
  ])('%p / %p rounded %s is %p', (n, dd, rounding, expected) => {
    expect(divideRounded(n, dd, rounding)).toBe(expected);
  });

  it('throws on division by zero', () => {
    expect(() => divideRounded(1n, 0n, 'DOWN')).toThrow(RangeError);
  });

  it('brackets the exact quotient and rounds the way each mode promises', () => {
    const nonZero = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).filter((x) => x !== 0n);
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), nonZero, (n, dd) => {
        const down = divideRounded(n, dd, 'DOWN');
        const up = divideRounded(n, dd, 'UP');
        const even = divideRounded(n, dd, 'HALF_EVEN');
        const exact = n % dd === 0n;
        // |down| <= |n/d| <= |up|, one step apart unless exact
        expect(abs(down * dd)).toBeLessThanOrEqual(abs(n));
        expect(abs(up * dd)).toBeGreaterThanOrEqual(abs(n));
        expect(abs(up - down)).toBe(exact ? 0n : 1n);
        expect(even === down || even === up).toBe(true);
        // HALF_EVEN is the nearest; on a tie, the even one
        const distDown = abs(n - down * dd);
        const distUp = abs(up * dd - n);
        if (distDown < distUp) expect(even).toBe(down);
        if (distUp < distDown) expect(even).toBe(up);
        if (distUp === distDown && !exact) expect(even % 2n).toBe(0n);
      }),
    );
  });
});

describe('mul / div / mulBps', () => {
  it('multiplies scaled values', () => {
    expect(mul(d('1.5'), d('2'), 'DOWN')).toBe(d('3'));
    expect(mul(d('0.01'), d('0.00000001'), 'DOWN')).toBe(d('0.0000000001'));
    expect(mul(d('-1.5'), d('2'), 'DOWN')).toBe(d('-3'));
    expect(mul(d('0.000000000000000001'), d('0.5'), 'DOWN')).toBe(0n);
    expect(mul(d('0.000000000000000001'), d('0.5'), 'UP')).toBe(1n);
    expect(mul(d('0.000000000000000001'), d('0.5'), 'HALF_EVEN')).toBe(0n);
    expect(mul(d('0.000000000000000003'), d('0.5'), 'HALF_EVEN')).toBe(2n);
    expect(mul(d('-0.000000000000000001'), d('0.5'), 'UP')).toBe(-1n);
  });

  it('divides scaled values', () => {
    expect(div(d('1'), d('3'), 'DOWN')).toBe(d('0.333333333333333333'));
    expect(div(d('1'), d('3'), 'UP')).toBe(d('0.333333333333333334'));
    expect(div(d('2'), d('3'), 'HALF_EVEN')).toBe(d('0.666666666666666667'));
    expect(div(d('-2'), d('3'), 'HALF_EVEN')).toBe(d('-0.666666666666666667'));
    expect(div(d('10'), d('4'), 'DOWN')).toBe(d('2.5'));
    expect(() => div(ONE, 0n, 'DOWN')).toThrow(RangeError);
  });

  it('applies basis points', () => {
    expect(mulBps(d('1000'), 10n, 'DOWN')).toBe(d('1'));
    expect(mulBps(d('123.45'), 25n, 'DOWN')).toBe(d('0.3086250'));
    expect(mulBps(d('0.000000000000000001'), 5000n, 'HALF_EVEN')).toBe(0n);
    expect(mulBps(d('0.000000000000000003'), 5000n, 'HALF_EVEN')).toBe(2n);
    expect(mulBps(d('0.000000000000000001'), 1n, 'UP')).toBe(1n);
    expect(mulBps(d('100'), 10_000n, 'DOWN')).toBe(d('100'));
  });

  it('mul by ONE and div by ONE are the identity; mul is commutative', () => {
    fc.assert(
      fc.property(scaled, scaled, fc.constantFrom(...roundings), (a, b, r) => {
        expect(mul(a, ONE, r)).toBe(a);
        expect(div(a, ONE, r)).toBe(a);
        expect(mul(a, b, r)).toBe(mul(b, a, r));
      }),
    );
  });

  it('rounding is symmetric around zero', () => {
    fc.assert(
      fc.property(scaled, scaled, fc.constantFrom(...roundings), (a, b, r) => {
        expect(mul(-a, b, r)).toBe(-mul(a, b, r));
        if (b !== 0n) expect(div(-a, b, r)).toBe(-div(a, b, r));
      }),
    );
  });

  it('div then mul gets back within one unit of the divisor', () => {
    fc.assert(
      fc.property(scaled, scaled.filter((b) => b !== 0n), (a, b) => {
        const q = div(a, b, 'DOWN');
        expect(abs(a - mul(q, b, 'DOWN'))).toBeLessThanOrEqual(abs(b) / ONE + 1n);
      }),
    );
  });
});

describe('isMultipleOf / min / max / abs', () => {
  it('checks multiples', () => {
    expect(isMultipleOf(d('1.23'), d('0.01'))).toBe(true);
    expect(isMultipleOf(d('1.234'), d('0.01'))).toBe(false);
    expect(isMultipleOf(d('-1.23'), d('0.01'))).toBe(true);
    expect(isMultipleOf(0n, d('0.01'))).toBe(true);
    expect(() => isMultipleOf(ONE, 0n)).toThrow(RangeError);
    expect(() => isMultipleOf(ONE, -ONE)).toThrow(RangeError);
  });

  it('k × step is always a multiple of step', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 18n }), (k, step) => {
        expect(isMultipleOf(k * step, step)).toBe(true);
        if (step > 1n) expect(isMultipleOf(k * step + 1n, step)).toBe(false);
      }),
    );
  });

  it('min, max and abs', () => {
    expect(min(1n, 2n)).toBe(1n);
    expect(min(-1n, -2n)).toBe(-2n);
    expect(max(1n, 2n)).toBe(2n);
    expect(max(-1n, -2n)).toBe(-1n);
    expect(abs(-5n)).toBe(5n);
    expect(abs(5n)).toBe(5n);
    expect(abs(0n)).toBe(0n);
    fc.assert(
      fc.property(scaled, scaled, (a, b) => {
        expect(min(a, b) + max(a, b)).toBe(a + b);
        expect(min(a, b)).toBeLessThanOrEqual(max(a, b));
        expect(abs(a)).toBeGreaterThanOrEqual(0n);
      }),
    );
  });
});

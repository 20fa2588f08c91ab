import { add, cmp, div, floorToStep, formatAmount, fromScaled, isDecimal, isMultipleOf, mul, placesOf, ratio, sub, sum, toFixed, toScaled } from './decimal';

describe('decimal strings', () => {
  it('round-trips through scaled bigints without losing a digit', () => {
    for (const text of ['0', '1', '-1', '612.34', '0.00000001', '123456789012345678.123456789012345678', '-0.5']) {
      expect(fromScaled(toScaled(text))).toBe(text);
    }
    expect(fromScaled(toScaled('612.3400'))).toBe('612.34');
    expect(fromScaled(toScaled('-0'))).toBe('0');
  });

  it('refuses what is not a plain decimal', () => {
    for (const text of ['', '1e3', '.5', '5.', '1,000', ' 1', 'NaN', '0.1234567890123456789']) {
      expect(isDecimal(text)).toBe(false);
      expect(() => toScaled(text)).toThrow(RangeError);
    }
  });

  it('adds, subtracts and multiplies exactly where floats do not', () => {
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(sub('100000', '99993.8757624')).toBe('6.1242376');
    expect(mul('0.01', '611.88')).toBe('6.1188');
    expect(mul('0.5', '612.35')).toBe('306.175');
    expect(mul('306.175', '0.002')).toBe('0.61235');
    expect(sum(['0.1', '0.2', '0.3'])).toBe('0.6');
    expect(div('1', '3')).toBe('0.333333333333333333');
    expect(() => div('1', '0')).toThrow(RangeError);
  });

  it('compares and checks steps', () => {
    expect(cmp('612.1', '612.10')).toBe(0);
    expect(cmp('-1', '0.5')).toBe(-1);
    expect(cmp('10', '9.99')).toBe(1);
    expect(isMultipleOf('612.34', '0.01')).toBe(true);
    expect(isMultipleOf('612.345', '0.01')).toBe(false);
    expect(isMultipleOf('0.00000001', '0.00000001')).toBe(true);
    expect(floorToStep('1.23456', '0.01')).toBe('1.23');
    expect(placesOf('0.01')).toBe(2);
    expect(placesOf('1')).toBe(0);
    expect(placesOf('0.00000001')).toBe(8);
  });

  it('formats with fixed places, rounding half away from zero, and groups thousands', () => {
    expect(toFixed('612.345', 2)).toBe('612.35');
    expect(toFixed('612.344', 2)).toBe('612.34');
    expect(toFixed('-612.345', 2)).toBe('-612.35');
    expect(toFixed('0.5', 0)).toBe('1');
    expect(toFixed('0.00000001', 8)).toBe('0.00000001');
    expect(toFixed('2', 8)).toBe('2.00000000');
    expect(formatAmount('100000', 2)).toBe('100,000.00');
    expect(formatAmount('-1234567.891', 2)).toBe('-1,234,567.89');
    expect(formatAmount('999.999', 2)).toBe('1,000.00');
  });

  it('gives bar ratios between 0 and 1', () => {
    expect(ratio('1', '4')).toBe(0.25);
    expect(ratio('5', '4')).toBe(1);
    expect(ratio('1', '0')).toBe(0);
  });
});

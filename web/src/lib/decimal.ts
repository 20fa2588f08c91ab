/**
 * Decimal strings as the API sends them ("612.34", "-0.5"), handled exactly as scaled bigints (18 places, as the
 * server's domain/decimal.ts). The dashboard never turns a price or quantity into a float, except to hand a value
 * to the chart library, which draws with numbers (see toChartNumber).
 */
export const SCALE = 18;
const ONE = 10n ** BigInt(SCALE);
const DECIMAL = /^-?\d+(\.\d+)?$/;

export type Scaled = bigint;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text) && (text.split('.')[1]?.length ?? 0) <= SCALE;
}

/** "612.5" -> 612500000000000000000n. Throws on anything that is not a plain decimal of at most 18 places. */
export function toScaled(text: string): Scaled {
  if (!isDecimal(text)) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const value = BigInt(whole) * ONE + BigInt(fraction.padEnd(SCALE, '0'));
  return negative ? -value : value;
}

/** The shortest decimal string: 612500000000000000000n -> "612.5", 0n -> "0". */
export function fromScaled(value: Scaled): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / ONE;
  const fraction = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative && abs !== 0n ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

export const add = (a: string, b: string): string => fromScaled(toScaled(a) + toScaled(b));
export const sub = (a: string, b: string): string => fromScaled(toScaled(a) - toScaled(b));
export const cmp = (a: string, b: string): number => {
  const d = toScaled(a) - toScaled(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
};
export const isZero = (a: string): boolean => toScaled(a) === 0n;
export const isNegative = (a: string): boolean => toScaled(a) < 0n;

/** a × b, exact to 18 places (rounded half away from zero below that). */
export function mul(a: string, b: string): string {
  const product = toScaled(a) * toScaled(b);
  return fromScaled(divRound(product, ONE));
}

/** a ÷ b at 18 places, rounded half away from zero; b must not be zero. */
export function div(a: string, b: string): string {
  const divisor = toScaled(b);
  if (divisor === 0n) throw new RangeError('division by zero');
  return fromScaled(divRound(toScaled(a) * ONE, divisor));
}

function divRound(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = an / ad;
  const rounded = (an % ad) * 2n >= ad ? q + 1n : q;
  return negative ? -rounded : rounded;
}

/** Whether `value` is a whole multiple of `step` (a tick or lot size). */
export function isMultipleOf(value: string, step: string): boolean {
  const s = toScaled(step);
  return s !== 0n && toScaled(value) % s === 0n;
}

/** Decimal places of a step: "0.01" -> 2, "1" -> 0, "0.00000001" -> 8. */
export function placesOf(step: string): number {
  const fraction = fromScaled(toScaled(step)).split('.')[1];
  return fraction?.length ?? 0;
}

/** Rounds to `places` decimals (half away from zero) and pads with zeros: ("612.345", 2) -> "612.35". */
export function toFixed(value: string, places: number): string {
  const unit = 10n ** BigInt(SCALE - places);
  const rounded = divRound(toScaled(value), unit);
  const negative = rounded < 0n;
  const digits = (negative ? -rounded : rounded).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}

/** toFixed with thousands separators in the whole part: ("100000", 2) -> "100,000.00". */
export function formatAmount(value: string, places: number): string {
  const fixed = toFixed(value, places);
  const [whole = '0', fraction] = fixed.split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Rounds down to a multiple of `step` (toward zero). */
export function floorToStep(value: string, step: string): string {
  const s = toScaled(step);
  const v = toScaled(value);
  return fromScaled((v / s) * s);
}

/** Sum of decimal strings. */
export function sum(values: readonly string[]): string {
  return fromScaled(values.reduce((total, v) => total + toScaled(v), 0n));
}

/**
 * The one place a decimal becomes a float: the chart library draws numbers. The value shown to the trader in every
 * table, the book and the ticker stays the string.
 */
export function toChartNumber(value: string): number {
  return Number(value);
}

/** a / b as a fraction between 0 and 1 for a CSS bar width (presentation only). */
export function ratio(part: string, whole: string): number {
  const w = toScaled(whole);
  if (w <= 0n) return 0;
  const permille = (toScaled(part) * 10_000n) / w;
  return Math.min(1, Math.max(0, Number(permille) / 10_000));
}

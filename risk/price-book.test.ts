import { parseDecimal } from '../domain/decimal';
import type { PriceUpdate } from '../domain/market-events';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { PriceBook } from './price-book';

const d = parseDecimal;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function update(version: number, mark: string, occurredAtMs = T0, symbol = 'BTC-USD'): PriceUpdate {
  return { eventId: `p-${version}`, eventType: 'PriceUpdate', occurredAt: new Date(occurredAtMs).toISOString(), version, symbol, last: mark, bid: null, ask: null, mark };
}

describe('PriceBook', () => {
  let now = T0;
  const book = () => new PriceBook({ symbols: new SymbolRegistry(DEFAULT_SYMBOLS), maxAgeMs: 300_000, clock: () => new Date(now) });
  beforeEach(() => {
    now = T0;
  });

  it('knows no mark before any update', () => {
    expect(book().markOf('BTC-USD')).toBeUndefined();
  });

  it('keeps the highest version per symbol, whatever the order updates arrive in', () => {
    const prices = book();
    expect(prices.apply(update(5, '100'))).toBe('applied');
    expect(prices.apply(update(4, '90'))).toBe('older_version');
    expect(prices.apply(update(5, '95'))).toBe('older_version');
    expect(prices.markOf('BTC-USD')).toEqual({ symbol: 'BTC-USD', mark: d('100'), version: 5, occurredAt: '2026-01-01T00:00:00.000Z' });
    expect(prices.apply(update(6, '101.5'))).toBe('applied');
    expect(prices.markOf('btc/usd')?.mark).toBe(d('101.5'));
    // Symbols are independent.
    expect(prices.markOf('ETH-USD')).toBeUndefined();
    expect(prices.apply(update(1, '2000', T0, 'ETH-USD'))).toBe('applied');
    expect(prices.markOf('ETH-USD')?.mark).toBe(d('2000'));
  });

  it('ignores symbols it does not trade and marks that are not positive', () => {
    const prices = book();
    expect(prices.apply(update(1, '1', T0, 'DOGE-USD'))).toBe('unknown_symbol');
    expect(prices.markOf('DOGE-USD')).toBeUndefined();
    expect(prices.apply(update(1, '0'))).toBe('invalid');
    expect(prices.apply(update(2, '-5'))).toBe('invalid');
    expect(prices.markOf('BTC-USD')).toBeUndefined();
  });

  it('counts a mark older than the max age as unknown, up to and including the limit as known', () => {
    const prices = book();
    prices.apply(update(1, '100'));
    now = T0 + 300_000;
    expect(prices.markOf('BTC-USD')?.mark).toBe(d('100'));
    now = T0 + 300_001;
    expect(prices.markOf('BTC-USD')).toBeUndefined();
    // A newer update brings it back; an old one delivered late stays unknown.
    prices.apply(update(2, '105', now));
    expect(prices.markOf('BTC-USD')?.mark).toBe(d('105'));
    prices.apply(update(3, '106', now - 400_000));
    expect(prices.markOf('BTC-USD')).toBeUndefined();
  });

  it('refuses a max age that is not positive', () => {
    expect(() => new PriceBook({ symbols: new SymbolRegistry([]), maxAgeMs: 0 })).toThrow(RangeError);
  });
});

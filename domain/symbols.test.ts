import fc from 'fast-check';
import { parseDecimal } from './decimal';
import { DEFAULT_SYMBOLS, normalizeSymbol, SymbolRegistry, symbolSpecToView, type SymbolSpec } from './symbols';

const d = parseDecimal;
const btc = DEFAULT_SYMBOLS.find((s) => s.symbol === 'BTC-USD')!;

describe('normalizeSymbol', () => {
  it.each([
    ['BTC-USD', 'BTC-USD'],
    ['btc-usd', 'BTC-USD'],
    ['BTC/USD', 'BTC-USD'],
    ['btc/usd', 'BTC-USD'],
    ['Eth/Usdt', 'ETH-USDT'],
    ['1INCH-USD', '1INCH-USD'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeSymbol(input)).toBe(expected);
  });

  it.each([
    '', 'BTC', 'BTCUSD', 'BTC_USD', 'BTC--USD', 'BTC-', '-USD', 'B-USD', ' BTC-USD', 'BTC-USD ', 'BTC-USD-X',
    'BTC/USD/EUR', 'BTC:USD', 'ÄTH-USD', 'VERYLONGNAME1-USD', '../etc', 'BTC-US$',
  ])('rejects %j', (input) => {
    expect(normalizeSymbol(input)).toBeUndefined();
  });

  it('is idempotent and yields canonical BASE-QUOTE', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (input) => {
        const once = normalizeSymbol(input);
        if (once === undefined) return;
        expect(once).toMatch(/^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/);
        expect(normalizeSymbol(once)).toBe(once);
      }),
    );
  });
});

describe('DEFAULT_SYMBOLS', () => {
  it('lists BTC-USD, ETH-USD and SOL-USD as documented', () => {
    expect(DEFAULT_SYMBOLS.map(symbolSpecToView)).toEqual([
      { symbol: 'BTC-USD', baseAsset: 'BTC', quoteAsset: 'USD', tickSize: '0.01', lotSize: '0.00000001', minQuantity: '0.00001', maxQuantity: '1000', minNotional: '1', priceBandPercent: '10', marketSlippagePercent: '2', status: 'TRADING' },
      { symbol: 'ETH-USD', baseAsset: 'ETH', quoteAsset: 'USD', tickSize: '0.01', lotSize: '0.0001', minQuantity: '0.001', maxQuantity: '10000', minNotional: '1', priceBandPercent: '10', marketSlippagePercent: '2', status: 'TRADING' },
      { symbol: 'SOL-USD', baseAsset: 'SOL', quoteAsset: 'USD', tickSize: '0.001', lotSize: '0.01', minQuantity: '0.01', maxQuantity: '100000', minNotional: '1', priceBandPercent: '15', marketSlippagePercent: '2', status: 'TRADING' },
    ]);
  });

  it('holds scaled bigints and cannot be mutated', () => {
    expect(btc.tickSize).toBe(d('0.01'));
    expect(Object.isFrozen(DEFAULT_SYMBOLS)).toBe(true);
    expect(Object.isFrozen(btc)).toBe(true);
  });

  it('has every tick × lot exactly representable, so fill notionals stay exact', () => {
    for (const spec of DEFAULT_SYMBOLS) expect((spec.tickSize * spec.lotSize) % 10n ** 18n).toBe(0n);
  });
});

describe('SymbolRegistry', () => {
  const registry = new SymbolRegistry(DEFAULT_SYMBOLS);

  it('finds a symbol by any accepted spelling', () => {
    expect(registry.get('BTC-USD')).toBe(btc);
    expect(registry.get('btc/usd')).toBe(btc);
    expect(registry.get('DOGE-USD')).toBeUndefined();
    expect(registry.get('garbage')).toBeUndefined();
    expect(registry.get('')).toBeUndefined();
  });

  it('lists specs in the given order, unaffected by later changes to the input array', () => {
    const input = [...DEFAULT_SYMBOLS];
    const own = new SymbolRegistry(input);
    input.pop();
    expect(own.list().map((s) => s.symbol)).toEqual(['BTC-USD', 'ETH-USD', 'SOL-USD']);
  });

  it('accepts an empty table', () => {
    expect(new SymbolRegistry([]).list()).toEqual([]);
  });

  const broken: [string, Partial<SymbolSpec>][] = [
    ['non-canonical symbol', { symbol: 'btc-usd' }],
    ['symbol not matching assets', { symbol: 'ETH-USD' }],
    ['zero tick', { tickSize: 0n }],
    ['negative lot', { lotSize: -1n }],
    ['zero min quantity', { minQuantity: 0n }],
    ['min above max', { minQuantity: d('2000') }],
    ['min off the lot grid', { minQuantity: d('0.000000001') }],
    ['negative min notional', { minNotional: -1n }],
    ['negative band', { priceBandPercent: -1n }],
    ['negative slippage', { marketSlippagePercent: -1n }],
    ['slippage of 100 %', { marketSlippagePercent: d('100') }],
  ];
  it.each(broken)('refuses a spec with %s', (_label, patch) => {
    expect(() => new SymbolRegistry([{ ...btc, ...patch }])).toThrow(/invalid symbol spec/);
  });

  it('refuses duplicate symbols', () => {
    expect(() => new SymbolRegistry([btc, { ...btc }])).toThrow(/duplicate/);
  });
});

describe('symbolSpecToView', () => {
  it('gives decimal strings for the wire', () => {
    const halted: SymbolSpec = { ...btc, status: 'HALTED', maxQuantity: d('0.5') };
    expect(symbolSpecToView(halted)).toMatchObject({ maxQuantity: '0.5', status: 'HALTED', tickSize: '0.01' });
    expect(JSON.stringify(symbolSpecToView(btc))).not.toContain('n"');
  });
});

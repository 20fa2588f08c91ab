import { formatDecimal, isMultipleOf, ONE, parseDecimal, type Scaled } from './decimal';

export type SymbolStatus = 'TRADING' | 'HALTED';

export interface SymbolSpec {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly tickSize: Scaled;
  readonly lotSize: Scaled;
  readonly minQuantity: Scaled;
  readonly maxQuantity: Scaled;
  /** Minimum price × quantity, in the quote asset. */
  readonly minNotional: Scaled;
  /** How far (in percent, e.g. 10 = 10%) a LIMIT price may stray from the mark price. */
  readonly priceBandPercent: Scaled;
  /** How far (in percent) from the mark a MARKET order may fill: its protection (worst) price. Below 100. */
  readonly marketSlippagePercent: Scaled;
  readonly status: SymbolStatus;
}

/** The wire form of a SymbolSpec: every decimal as a canonical string. */
export interface SymbolSpecView {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  tickSize: string;
  lotSize: string;
  minQuantity: string;
  maxQuantity: string;
  minNotional: string;
  priceBandPercent: string;
  marketSlippagePercent: string;
  status: SymbolStatus;
}

/** What a symbol may be given as (normalizeSymbol): BTC-USD, BTC/USD, btc-usd. */
export const SYMBOL_INPUT = /^([A-Za-z0-9]{2,10})[-/]([A-Za-z0-9]{2,10})$/;

/** 'btc/usd', 'BTC/USD' and 'BTC-USD' all become 'BTC-USD'; anything else is undefined. */
export function normalizeSymbol(input: string): string | undefined {
  const match = SYMBOL_INPUT.exec(input);
  if (!match) return undefined;
  const [, base = '', quote = ''] = match;
  return `${base.toUpperCase()}-${quote.toUpperCase()}`;
}

interface SymbolSpecText {
  base: string;
  quote: string;
  tick: string;
  lot: string;
  minQty: string;
  maxQty: string;
  minNotional: string;
  bandPercent: string;
  slippagePercent: string;
}

// Written as decimal strings so the table reads like an exchange's symbol listing.
function specFromText(t: SymbolSpecText): SymbolSpec {
  return Object.freeze({
    symbol: `${t.base}-${t.quote}`,
    baseAsset: t.base,
    quoteAsset: t.quote,
    tickSize: parseDecimal(t.tick),
    lotSize: parseDecimal(t.lot),
    minQuantity: parseDecimal(t.minQty),
    maxQuantity: parseDecimal(t.maxQty),
    minNotional: parseDecimal(t.minNotional),
    priceBandPercent: parseDecimal(t.bandPercent),
    marketSlippagePercent: parseDecimal(t.slippagePercent),
    status: 'TRADING',
  });
}

export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = Object.freeze([
  specFromText({ base: 'BTC', quote: 'USD', tick: '0.01', lot: '0.00000001', minQty: '0.00001', maxQty: '1000', minNotional: '1', bandPercent: '10', slippagePercent: '2' }),
  specFromText({ base: 'ETH', quote: 'USD', tick: '0.01', lot: '0.0001', minQty: '0.001', maxQty: '10000', minNotional: '1', bandPercent: '10', slippagePercent: '2' }),
  specFromText({ base: 'SOL', quote: 'USD', tick: '0.001', lot: '0.01', minQty: '0.01', maxQty: '100000', minNotional: '1', bandPercent: '15', slippagePercent: '2' }),
]);

/** Rejects a symbol table that could never validate an order sensibly; a typo here should stop startup. */
function checkSpec(spec: SymbolSpec): void {
  const problem = (text: string): never => {
    throw new Error(`invalid symbol spec ${spec.symbol}: ${text}`);
  };
  if (normalizeSymbol(spec.symbol) !== spec.symbol) problem('symbol is not canonical (BASE-QUOTE)');
  if (spec.symbol !== `${spec.baseAsset}-${spec.quoteAsset}`) problem('symbol does not match baseAsset-quoteAsset');
  if (spec.tickSize <= 0n || spec.lotSize <= 0n) problem('tickSize and lotSize must be positive');
  if (spec.minQuantity <= 0n || spec.minQuantity > spec.maxQuantity) problem('need 0 < minQuantity <= maxQuantity');
  if (!isMultipleOf(spec.minQuantity, spec.lotSize)) problem('minQuantity must be a multiple of lotSize');
  if (spec.minNotional < 0n || spec.priceBandPercent < 0n) problem('minNotional and priceBandPercent must not be negative');
  // At 100 % or more a MARKET SELL's protection price would be zero or negative.
  if (spec.marketSlippagePercent < 0n || spec.marketSlippagePercent >= 100n * ONE) problem('marketSlippagePercent must be at least 0 and below 100');
}

export class SymbolRegistry {
  private readonly bySymbol: ReadonlyMap<string, SymbolSpec>;
  private readonly specs: readonly SymbolSpec[];

  constructor(specs: readonly SymbolSpec[]) {
    const bySymbol = new Map<string, SymbolSpec>();
    for (const spec of specs) {
      checkSpec(spec);
      if (bySymbol.has(spec.symbol)) throw new Error(`duplicate symbol spec ${spec.symbol}`);
      bySymbol.set(spec.symbol, spec);
    }
    this.bySymbol = bySymbol;
    this.specs = Object.freeze([...specs]);
  }

  /** Accepts any input spelling normalizeSymbol accepts ('btc/usd'). */
  get(symbol: string): SymbolSpec | undefined {
    const canonical = normalizeSymbol(symbol);
    return canonical === undefined ? undefined : this.bySymbol.get(canonical);
  }

  list(): readonly SymbolSpec[] {
    return this.specs;
  }
}

export function symbolSpecToView(spec: SymbolSpec): SymbolSpecView {
  return {
    symbol: spec.symbol,
    baseAsset: spec.baseAsset,
    quoteAsset: spec.quoteAsset,
    tickSize: formatDecimal(spec.tickSize),
    lotSize: formatDecimal(spec.lotSize),
    minQuantity: formatDecimal(spec.minQuantity),
    maxQuantity: formatDecimal(spec.maxQuantity),
    minNotional: formatDecimal(spec.minNotional),
    priceBandPercent: formatDecimal(spec.priceBandPercent),
    marketSlippagePercent: formatDecimal(spec.marketSlippagePercent),
    status: spec.status,
  };
}

import { parseDecimal, type Scaled } from '../domain/decimal';
import { parseIsoTimestamp } from '../domain/order';
import type { PriceUpdate } from '../domain/market-events';
import type { SymbolRegistry } from '../domain/symbols';

/** The latest mark of a symbol, as the risk engine uses it. */
export interface Mark {
  symbol: string;
  mark: Scaled;
  version: number;
  occurredAt: string;
}

/** What the engine asks of the prices: a symbol's mark, or undefined when none is known or it is too old. */
export interface MarkSource {
  markOf(symbol: string): Mark | undefined;
}

export type ApplyOutcome = 'applied' | 'older_version' | 'unknown_symbol' | 'invalid';

/**
 * The latest PriceUpdate per symbol, in memory. Updates arrive from Kafka and from the Redis snapshot in
 * any order, so only a higher version replaces what is kept. A mark older than `maxAgeMs` (by the
 * update's occurredAt) counts as unknown: the engine then refuses MARKET orders rather than trade on it.
 */
export class PriceBook implements MarkSource {
  private readonly latest = new Map<string, { mark: Mark; occurredAtMs: number }>();
  private readonly clock: () => Date;

  constructor(private readonly options: { symbols: SymbolRegistry; maxAgeMs: number; clock?: () => Date }) {
    if (!(options.maxAgeMs > 0)) throw new RangeError('maxAgeMs must be positive');
    this.clock = options.clock ?? (() => new Date());
  }

  /** 'invalid': a mark that is not positive or a timestamp that does not parse (the schema lets neither through, but the book does not rely on it). */
  apply(update: PriceUpdate): ApplyOutcome {
    const spec = this.options.symbols.get(update.symbol);
    if (spec === undefined) return 'unknown_symbol';
    const occurredAtMs = parseIsoTimestamp(update.occurredAt);
    const mark = parseDecimal(update.mark);
    if (occurredAtMs === undefined || mark <= 0n) return 'invalid';
    const current = this.latest.get(spec.symbol);
    if (current !== undefined && current.mark.version >= update.version) return 'older_version';
    this.latest.set(spec.symbol, { mark: { symbol: spec.symbol, mark, version: update.version, occurredAt: update.occurredAt }, occurredAtMs });
    return 'applied';
  }

  markOf(symbol: string): Mark | undefined {
    const spec = this.options.symbols.get(symbol);
    const latest = spec === undefined ? undefined : this.latest.get(spec.symbol);
    if (latest === undefined || this.clock().getTime() - latest.occurredAtMs > this.options.maxAgeMs) return undefined;
    return latest.mark;
  }
}

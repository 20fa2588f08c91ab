import { divideRounded, type Scaled } from '../domain/decimal';
import type { SymbolSpec } from '../domain/symbols';
import { VENUE_LIQUIDITY_ACCOUNT_ID, VENUE_MARKET_FLOW_ACCOUNT_ID } from '../domain/venue-events';
import type { EngineOrder, Side } from './engine-types';
import type { QuoteBar, TradeBar } from '../domain/market-data-csv';

/**
 * The market maker quoting the ladder, and the rest of the replayed market sending the bars' trading as taker
 * orders (domain/venue-events.ts). Their orders are the venue's own: not persisted, not reported.
 */
export const LIQUIDITY_ACCOUNT_ID = VENUE_LIQUIDITY_ACCOUNT_ID;
export const MARKET_FLOW_ACCOUNT_ID = VENUE_MARKET_FLOW_ACCOUNT_ID;

export type LiquidityCommand = { kind: 'submit'; order: EngineOrder } | { kind: 'cancel'; orderId: string };

/** One moment of the replay: the bar traded then and/or the quote in force. */
export interface ReplayStep {
  timeMs: number;
  trades: TradeBar | null;
  quote: QuoteBar | null;
}

export interface LiquiditySimulatorOptions {
  spec: SymbolSpec;
  seed: number;
  /** Ladder levels per side. Default 5. */
  levels?: number;
  /** Without replayed quotes: from the replayed price to the best bid and to the best ask. Default 1. */
  halfSpreadTicks?: number;
  /** Between two levels of the ladder. Default 2. */
  levelStepTicks?: number;
  /** Smallest level size whatever the volume. Default 100 × the symbol's minimum quantity. */
  minLevelSize?: Scaled;
}

export interface LadderQuote {
  orderId: string;
  side: Side;
  price: Scaled;
  quantity: Scaled;
}

/**
 * A market maker and a market's worth of takers, driven by replayed bars. Pure and deterministic: the same
 * steps and seed always give the same commands (the seed only varies the level sizes).
 *
 * Per step: first the bar's trading, as two IOC orders at the bar's extremes (BUY at the high, SELL at the low,
 * in the order the bar most likely moved: up bars visit the low first). Each takes whatever ladder lies within
 * the bar's range plus half the bar's volume, so once the ladder in range is gone the rest reaches the users'
 * resting orders in range: a user's order fills when the real market trades through it. Then the ladder is
 * cancelled and quoted again around the new price (the quotes file's bid and ask when replaying quotes); a new
 * quote that crosses a user's order trades with it at the user's price, as the market moving through it would.
 */
export class LiquiditySimulator {
  private ladder: LadderQuote[] = [];
  private orders = 0;
  private readonly random: () => number;
  private readonly spec: SymbolSpec;
  private readonly levels: number;
  private readonly halfSpread: Scaled;
  private readonly levelStep: Scaled;
  private readonly minLevelSize: Scaled;

  constructor(options: LiquiditySimulatorOptions) {
    this.spec = options.spec;
    this.random = mulberry32(options.seed);
    this.levels = options.levels ?? 5;
    this.halfSpread = BigInt(options.halfSpreadTicks ?? 1) * options.spec.tickSize;
    this.levelStep = BigInt(options.levelStepTicks ?? 2) * options.spec.tickSize;
    this.minLevelSize = options.minLevelSize ?? options.spec.minQuantity * 100n;
  }

  /** The ladder as last quoted. */
  get quotes(): readonly LadderQuote[] {
    return this.ladder;
  }

  /** The ladder alone at the step's price: where the replay starts or resumes. */
  open(step: ReplayStep): LiquidityCommand[] {
    return this.requote(step);
  }

  step(step: ReplayStep): LiquidityCommand[] {
    if (this.ladder.length === 0) return this.requote(step);
    return [...this.takers(step), ...this.requote(step)];
  }

  private takers(step: ReplayStep): LiquidityCommand[] {
    const bar = step.trades;
    if (bar === null) return [];
    const { tickSize, lotSize } = this.spec;
    const share = floorTo(bar.volume / 2n, lotSize);
    const high = floorTo(bar.high, tickSize);
    const low = ceilTo(bar.low, tickSize);
    const within = (side: Side, crosses: (price: Scaled) => boolean) =>
      this.ladder.filter((q) => q.side === side && crosses(q.price)).reduce((sum, q) => sum + q.quantity, 0n);
    const buy = this.taker('BUY', high, within('SELL', (p) => p <= high) + share);
    const sell = this.taker('SELL', low, within('BUY', (p) => p >= low) + share);
    const ordered = bar.close >= bar.open ? [sell, buy] : [buy, sell];
    return ordered.filter((c): c is LiquidityCommand => c !== null);
  }

  private taker(side: Side, price: Scaled, quantity: Scaled): LiquidityCommand | null {
    if (quantity <= 0n || price <= 0n) return null;
    return {
      kind: 'submit',
      order: { orderId: `${MARKET_FLOW_ACCOUNT_ID}:t${++this.orders}`, accountId: MARKET_FLOW_ACCOUNT_ID, side, type: 'LIMIT', price, quantity, timeInForce: 'IOC', postOnly: false },
    };
  }

  private requote(step: ReplayStep): LiquidityCommand[] {
    const touch = this.touch(step);
    if (touch === null) return [];
    const commands: LiquidityCommand[] = this.ladder.map((q) => ({ kind: 'cancel', orderId: q.orderId }));
    const base = this.baseSize(step);
    const next: LadderQuote[] = [];
    for (let k = 0; k < this.levels; k++) {
      const offset = BigInt(k) * this.levelStep;
      const bid = touch.bid - offset;
      if (bid > 0n) next.push(this.quote('BUY', bid, base, k));
      next.push(this.quote('SELL', touch.ask + offset, base, k));
    }
    this.ladder = next;
    for (const q of next) {
      commands.push({
        kind: 'submit',
        order: { orderId: q.orderId, accountId: LIQUIDITY_ACCOUNT_ID, side: q.side, type: 'LIMIT', price: q.price, quantity: q.quantity, timeInForce: 'GTC', postOnly: false },
      });
    }
    return commands;
  }

  private quote(side: Side, price: Scaled, base: Scaled, level: number): LadderQuote {
    // Deeper levels hold more, as on a real book; ±20% keeps the ladder from looking machine-made.
    const jitterPermille = 800n + BigInt(this.random() % 401);
    const size = floorTo((base * BigInt(level + 1) * jitterPermille) / 1000n, this.spec.lotSize);
    return { orderId: `${LIQUIDITY_ACCOUNT_ID}:q${++this.orders}`, side, price, quantity: size > this.minLevelSize ? size : this.minLevelSize };
  }

  /** Best bid and ask to quote: the replayed quote's, or a few ticks around the replayed price. */
  private touch(step: ReplayStep): { bid: Scaled; ask: Scaled } | null {
    const { tickSize } = this.spec;
    if (step.quote !== null) {
      const bid = floorTo(step.quote.bidClose, tickSize);
      const ask = ceilTo(step.quote.askClose, tickSize);
      return { bid, ask: ask > bid ? ask : bid + tickSize };
    }
    if (step.trades === null) return null;
    const reference = divideRounded(step.trades.close, tickSize, 'HALF_EVEN') * tickSize;
    return { bid: reference - this.halfSpread, ask: reference + this.halfSpread };
  }

  /** Level k holds (k + 1) × this, so one side of the ladder holds about half the step's volume. */
  private baseSize(step: ReplayStep): Scaled {
    const volume = step.trades?.volume ?? (step.quote === null ? 0n : (step.quote.bidSize + step.quote.askSize) / 2n);
    const size = floorTo(volume / BigInt(this.levels * (this.levels + 1)), this.spec.lotSize);
    return size > this.minLevelSize ? size : this.minLevelSize;
  }
}

function floorTo(value: Scaled, step: Scaled): Scaled {
  return value - (value % step);
}

function ceilTo(value: Scaled, step: Scaled): Scaled {
  const rest = value % step;
  return rest === 0n ? value : value - rest + step;
}

/** A small, well-known seeded generator (uint32 outputs): the same seed gives the same ladder everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

import { join } from 'node:path';
import { DEFAULT_SYMBOLS, type SymbolSpec } from '../../domain/symbols';
import { REPO_ROOT } from '../../scripts/stack/settings';
import type { PriceFeedEvent } from '../../domain/venue-events';
import type { EngineOrder } from '../../venue/engine-types';
import { translateEngineEvents } from '../../venue/event-translator';
import { LiquiditySimulator, mulberry32, type ReplayStep } from '../../venue/liquidity-simulator';
import { readMarketDataFile } from '../../infra/market-data-file';
import { MatchingEngine } from '../../venue/matching-engine';
import { replaySteps } from '../../venue/replay-steps';
import type { BookSnapshot } from '../../market-data/book-sync';

export const BTC = DEFAULT_SYMBOLS.find((s) => s.symbol === 'BTC-USD') as SymbolSpec;
export const MARKET_DIR = join(REPO_ROOT, '..', 'shared', 'data', 'market');

export interface RecordedFeed {
  /** The price-feeds events in publishing order, exactly as the venue translates them. */
  events: PriceFeedEvent[];
  /** The venue's book after each engine call, keyed by the call's last version: what GET /venue/book can answer. */
  bookAt: Map<number, BookSnapshot>;
}

/**
 * For unit tests: the venue's own pure parts (matching engine, liquidity simulator, event translator) replaying
 * `steps` bars of a real file, with some user limit orders in between so trades reach resting orders too. The
 * feed and the book after every engine call are recorded, which is what a market data reader must reproduce.
 */
export async function recordVenueFeed(options: { file: string; steps: number; from?: number; firstVersion: number; seed: number }): Promise<RecordedFeed> {
  const file = await readMarketDataFile(join(MARKET_DIR, options.file));
  const steps = replaySteps(file).slice(options.from ?? 0, (options.from ?? 0) + options.steps);
  const engine = new MatchingEngine(BTC.symbol);
  const simulator = new LiquiditySimulator({ spec: BTC, seed: options.seed });
  const random = mulberry32(options.seed);
  const events: PriceFeedEvent[] = [];
  const bookAt = new Map<number, BookSnapshot>();
  let version = options.firstVersion;
  let userOrders = 0;

  const run = (orders: Array<{ kind: 'submit'; order: EngineOrder } | { kind: 'cancel'; orderId: string }>, at: string) => {
    for (const command of orders) {
      const engineEvents = command.kind === 'submit' ? engine.submit(command.order) : engine.cancel(command.orderId);
      const translation = translateEngineEvents(engineEvents, {
        symbol: BTC.symbol,
        nowIso: at,
        firstFeedVersion: version + 1,
        tradeId: (id) => `${BTC.symbol}-1-${id.slice(BTC.symbol.length + 1)}`,
        userOrder: () => undefined,
      });
      for (const event of translation.feed) {
        version = event.version;
        events.push(event);
      }
      if (translation.feed.length > 0) bookAt.set(version, { ...engine.snapshot(), sequence: version });
    }
  };

  steps.forEach((step: ReplayStep, i) => {
    const at = new Date(step.timeMs).toISOString();
    run(i === 0 ? simulator.open(step) : simulator.step(step), at);
    const touch = simulator.quotes.find((q) => q.side === 'BUY')?.price;
    if (touch !== undefined && random() % 3 === 0) {
      // A user's limit a few ticks either side of the touch: some rest, some trade when the market moves.
      const side = random() % 2 === 0 ? 'BUY' : 'SELL';
      const ticks = BigInt((random() % 9) - 4);
      const order: EngineOrder = {
        orderId: `user-${++userOrders}`,
        accountId: `user-${random() % 3}`,
        side,
        type: 'LIMIT',
        price: touch + ticks * BTC.tickSize,
        quantity: BTC.minQuantity * BigInt(1 + (random() % 500)),
        timeInForce: 'GTC',
        postOnly: false,
      };
      run([{ kind: 'submit', order }], at);
    }
  });
  return { events, bookAt };
}

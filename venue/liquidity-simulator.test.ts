import { join } from 'node:path';
import { formatDecimal, parseDecimal } from '../domain/decimal';
import { DEFAULT_SYMBOLS, type SymbolSpec } from '../domain/symbols';
import { readMarketDataFile } from '../infra/market-data-file';
import { REPO_ROOT } from '../scripts/stack/settings';
import type { EngineEvent, EngineOrder, TradeEvent } from './engine-types';
import { LIQUIDITY_ACCOUNT_ID, LiquiditySimulator, MARKET_FLOW_ACCOUNT_ID, type LiquidityCommand, type ReplayStep } from './liquidity-simulator';
import { MatchingEngine } from './matching-engine';
import { replaySteps } from './replay-steps';

const d = parseDecimal;
const BTC = DEFAULT_SYMBOLS.find((s) => s.symbol === 'BTC-USD') as SymbolSpec;
const MARKET_DIR = join(REPO_ROOT, '..', 'shared', 'data', 'market');

/**
 * Six real 1-second bars of 2016-10-07 (rows 26-31 of the file): the price sits near 611.91, dips to 611.79,
 * and the last bar trades down to 611.69 on 14.6 BTC.
 */
let slice: ReplayStep[];

beforeAll(async () => {
  const file = await readMarketDataFile(join(MARKET_DIR, 'coinbase_btcusd_1s_trades_2016-10-07_to_09.csv'));
  slice = replaySteps(file).slice(24, 30);
  expect(slice.map((s) => s.trades && formatDecimal(s.trades.close))).toEqual(['611.91', '611.91', '611.93', '611.83', '611.93', '611.7']);
});

const submits = (commands: LiquidityCommand[]): EngineOrder[] => commands.flatMap((c) => (c.kind === 'submit' ? [c.order] : []));
const cancels = (commands: LiquidityCommand[]): string[] => commands.flatMap((c) => (c.kind === 'cancel' ? [c.orderId] : []));
const view = (orders: EngineOrder[]) => orders.map((o) => ({ side: o.side, price: formatDecimal(o.price ?? 0n), tif: o.timeInForce, account: o.accountId }));

describe('LiquiditySimulator', () => {
  it('opens with a ladder of 5 levels per side around the replayed price, sized from the bar volume', () => {
    const sim = new LiquiditySimulator({ spec: BTC, seed: 7 });
    const orders = submits(sim.open(slice[0]!));
    expect(view(orders.filter((o) => o.side === 'BUY')).map((o) => o.price)).toEqual(['611.9', '611.88', '611.86', '611.84', '611.82']);
    expect(view(orders.filter((o) => o.side === 'SELL')).map((o) => o.price)).toEqual(['611.92', '611.94', '611.96', '611.98', '612']);
    expect(orders.every((o) => o.accountId === LIQUIDITY_ACCOUNT_ID && o.type === 'LIMIT' && o.timeInForce === 'GTC')).toBe(true);
    // 0.63218 BTC traded in the bar: level k holds (k + 1) × 0.63218 / 30 (to the lot), ±20%.
    const base = d('0.02107266');
    orders.forEach((o, i) => {
      const k = BigInt(Math.floor(i / 2) + 1);
      expect(o.quantity % BTC.lotSize).toBe(0n);
      expect(o.quantity).toBeGreaterThanOrEqual((base * k * 8n) / 10n - BTC.lotSize);
      expect(o.quantity).toBeLessThanOrEqual((base * k * 12n) / 10n);
    });
  });

  it('is deterministic given the steps and the seed; the seed only moves the sizes', () => {
    const run = (seed: number) => {
      const sim = new LiquiditySimulator({ spec: BTC, seed });
      return [sim.open(slice[0]!), ...slice.slice(1).map((s) => sim.step(s))];
    };
    expect(run(7)).toEqual(run(7));
    const [a, b] = [run(7).flat(), run(8).flat()];
    expect(a.map((c) => (c.kind === 'submit' ? c.order.price : c.orderId))).toEqual(b.map((c) => (c.kind === 'submit' ? c.order.price : c.orderId)));
    expect(submits(a).map((o) => o.quantity)).not.toEqual(submits(b).map((o) => o.quantity));
  });

  it("sends a bar's trading as IOC takers at its low and high, then re-quotes around its close", () => {
    const sim = new LiquiditySimulator({ spec: BTC, seed: 7 });
    const opening = submits(sim.open(slice[0]!));
    const bids = opening.filter((o) => o.side === 'BUY').reduce((sum, o) => sum + o.quantity, 0n);
    // Bar 2 went up (611.79 → 611.91): the low came first, so the SELL goes before the BUY.
    const commands = sim.step(slice[1]!);
    const [sell, buy, ...rest] = submits(commands);
    expect(view([sell!, buy!])).toEqual([
      { side: 'SELL', price: '611.79', tif: 'IOC', account: MARKET_FLOW_ACCOUNT_ID },
      { side: 'BUY', price: '611.91', tif: 'IOC', account: MARKET_FLOW_ACCOUNT_ID },
    ]);
    const half = d('0.504705'); // half of the bar's 1.00941
    expect(sell!.quantity).toBe(bids + half); // every ladder bid lies within the bar's range
    expect(buy!.quantity).toBe(half); // no ladder ask is at or under the high (611.92 and up)
    expect(cancels(commands)).toEqual(opening.map((o) => o.orderId));
    expect(rest.map((o) => o.price)).toEqual(opening.map((o) => o.price)); // closed at 611.91 again
  });

  it('fills a resting user buy when the replayed price trades through it, not before', () => {
    const engine = new MatchingEngine('BTC-USD');
    const sim = new LiquiditySimulator({ spec: BTC, seed: 7 });
    const apply = (commands: LiquidityCommand[]): EngineEvent[] =>
      commands.flatMap((c) => (c.kind === 'submit' ? engine.submit(c.order) : engine.cancel(c.orderId)));
    apply(sim.open(slice[0]!));
    engine.submit({ orderId: 'alice-1', accountId: 'alice', side: 'BUY', type: 'LIMIT', price: d('611.72'), quantity: d('0.5'), timeInForce: 'GTC', postOnly: false });
    const userTrades = (events: EngineEvent[]) => events.filter((e): e is TradeEvent => e.type === 'TRADE' && e.makerOrderId === 'alice-1');

    for (const step of slice.slice(1, 5)) expect(userTrades(apply(sim.step(step)))).toEqual([]);
    expect(engine.getOrder('alice-1')).toMatchObject({ status: 'OPEN', filledQuantity: 0n, remaining: d('0.5') });

    // 611.69 on 14.6 BTC: the ladder in range goes first (better prices), then alice at her price.
    const events = apply(sim.step(slice[5]!));
    const trades = userTrades(events);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ price: d('611.72'), quantity: d('0.5'), takerAccountId: MARKET_FLOW_ACCOUNT_ID, takerSide: 'SELL', makerRemaining: 0n });
    // Filled: no cancel of hers, and the engine (which holds live orders only) no longer has her order.
    expect(events.filter((e) => (e.type === 'CANCELLED' || e.type === 'EXPIRED') && e.orderId === 'alice-1')).toEqual([]);
    expect(engine.getOrder('alice-1')).toBeUndefined();
  });

  it("fills a user's resting sell with the re-quote when the quoted bid moves above it", () => {
    const engine = new MatchingEngine('BTC-USD');
    const sim = new LiquiditySimulator({ spec: BTC, seed: 7 });
    const apply = (commands: LiquidityCommand[]) => commands.flatMap((c) => (c.kind === 'submit' ? engine.submit(c.order) : engine.cancel(c.orderId)));
    const quote = (bid: string, ask: string) => ({ timeMs: 0, trades: null, quote: { timeMs: 0, bidClose: d(bid), bidSize: d('1'), askClose: d(ask), askSize: d('1') } });
    apply(sim.open(quote('4654.98', '4655.5')));
    engine.submit({ orderId: 'bob-1', accountId: 'bob', side: 'SELL', type: 'LIMIT', price: d('4655.2'), quantity: d('0.01'), timeInForce: 'GTC', postOnly: false });
    // No trading in the step: only the market maker's new bid at 4655.4 can reach bob, at bob's price.
    const events = apply(sim.step(quote('4655.4', '4656')));
    expect(events.filter((e) => e.type === 'TRADE' && e.makerOrderId === 'bob-1')).toMatchObject([
      { price: d('4655.2'), quantity: d('0.01'), takerAccountId: LIQUIDITY_ACCOUNT_ID },
    ]);
  });

  it('quotes the replayed bid and ask when replaying quotes', () => {
    const sim = new LiquiditySimulator({ spec: BTC, seed: 1 });
    const quote = { timeMs: 0, bidClose: d('4654.98'), bidSize: d('1.8'), askClose: d('4655.5'), askSize: d('0.4') };
    const orders = submits(sim.open({ timeMs: 0, trades: null, quote }));
    expect(orders.filter((o) => o.side === 'BUY')[0]?.price).toBe(d('4654.98'));
    expect(orders.filter((o) => o.side === 'SELL')[0]?.price).toBe(d('4655.5'));
    // Without trading there are no takers, only the re-quote.
    expect(submits(sim.step({ timeMs: 60_000, trades: null, quote })).every((o) => o.accountId === LIQUIDITY_ACCOUNT_ID)).toBe(true);
  });
});

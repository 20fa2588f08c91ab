import type {
  BookLevel,
  BookSnapshot,
  CancelReason,
  EngineEvent,
  EngineOrder,
  MatchingEngineOptions,
  OrderState,
  RejectReason,
  SelfTradePrevention,
  Side,
} from './engine-types';
import { createOrderEntry, type OrderEntry } from './order-entry';
import { BookSide, type PriceLevel } from './price-levels';

export type * from './engine-types';

const DEFAULT_SELF_TRADE_PREVENTION: SelfTradePrevention = 'CANCEL_TAKER';

/**
 * Price-time priority matching for one symbol. Pure and synchronous: each call returns the events it
 * caused, in order, each numbered by an engine-wide sequence. No clocks, no randomness, no I/O.
 *
 * Rules worth knowing:
 * - Trades happen at the maker's price. A LIMIT takes while the opposite best is at or better than its limit.
 * - Self-trade prevention applies between orders of the same accountId (default CANCEL_TAKER: the incoming
 *   order is the one being decided now, so it is the one stopped; resting quotes are never silently removed).
 * - Checks that reject (post-only, FOK, MARKET without liquidity) run before anything changes, so a REJECTED
 *   order leaves the book and every other order exactly as they were. A rejected order is not ACCEPTED.
 * - MARKET is rejected NO_LIQUIDITY when nothing could trade for it (empty opposite side, or under
 *   self-trade prevention only the account's own orders); once accepted it always trades something.
 * - FOK counts the quantity it could really take, skipping or stopping at own orders as the
 *   self-trade-prevention policy would, and rejects unless that covers the whole order.
 * - MARKET takes any time in force: FOK means all or nothing, anything else behaves as IOC. Post-only is
 *   for LIMIT GTC/GTD only (with IOC/FOK it could never do anything), else INVALID_ORDER.
 * - The engine holds live orders only: an order leaves it the moment it is final (filled, cancelled, expired,
 *   rejected), and the events of that call say how it ended. So memory follows the book, not the history; a
 *   live order's id is a DUPLICATE_ORDER_ID, a final one's is not (the venue keeps every order's record and
 *   never submits an id twice), and cancelling a final order is an UNKNOWN_ORDER, like one never seen.
 */
export class MatchingEngine {
  private readonly bids = new BookSide('BUY');
  private readonly asks = new BookSide('SELL');
  /** Live orders: resting ones between calls, plus the taker during one. */
  private readonly orders = new Map<string, OrderEntry>();
  private readonly selfTradePrevention: SelfTradePrevention;
  private sequence = 0;
  private trades = 0;

  constructor(
    readonly symbol: string,
    options: MatchingEngineOptions = {},
  ) {
    this.selfTradePrevention = options.selfTradePrevention ?? DEFAULT_SELF_TRADE_PREVENTION;
  }

  get selfTradePreventionPolicy(): SelfTradePrevention {
    return this.selfTradePrevention;
  }

  /** Trades executed so far (the last tradeId's number). */
  get tradeCount(): number {
    return this.trades;
  }

  /** Price levels on each side (for the book depth gauge): cheap, no snapshot. */
  get levelCounts(): { bids: number; asks: number } {
    return { bids: this.bids.levels.length, asks: this.asks.levels.length };
  }

  /** Sequence of the last event emitted (0 before any). */
  get lastSequence(): number {
    return this.sequence;
  }

  /** Orders resting on the book (the only ones the engine holds between calls). */
  get restingCount(): number {
    return this.orders.size;
  }

  /**
   * Small answers (a rest, a cancel, a reject) are built as array literals of their exact length: a `[]`
   * grown by push gets a 16-slot backing store on its first element, and those arrays were most of the
   * garbage of a typical call.
   */
  submit(order: EngineOrder): EngineEvent[] {
    const orderId = order.orderId;
    const accountId = typeof order.accountId === 'string' ? order.accountId : '';
    if (typeof orderId !== 'string' || orderId.length === 0) {
      return [this.rejected('', accountId, 'INVALID_ORDER', 'orderId must be a non-empty string')];
    }
    if (this.orders.has(orderId)) {
      return [this.rejected(orderId, accountId, 'DUPLICATE_ORDER_ID', 'an order with this orderId is live')];
    }
    const invalid = validationError(order);
    if (invalid !== null) {
      return [this.rejected(orderId, accountId, 'INVALID_ORDER', invalid)];
    }

    const entry = createOrderEntry(
      orderId,
      accountId,
      order.side,
      order.type,
      // A MARKET order with a protection price matches like a limit at that price, and never rests.
      order.type === 'LIMIT' ? order.price : (order.protectionPrice ?? null),
      order.quantity,
      order.timeInForce,
      order.postOnly,
    );
    const opposite = entry.side === 'BUY' ? this.asks : this.bids;
    const limit = entry.price;
    const best = opposite.best();
    const takes = best !== undefined && crosses(entry.side, limit, best.price);

    if (entry.postOnly && takes) {
      return [this.rejected(orderId, accountId, 'POST_ONLY_WOULD_TAKE', 'post-only order would take liquidity')];
    }
    if (entry.timeInForce === 'FOK') {
      if (this.fillableQuantity(opposite, entry, entry.quantity) < entry.quantity) {
        return [this.rejected(orderId, accountId, 'FOK_CANNOT_FILL', 'not enough crossing quantity to fill completely')];
      }
    } else if (entry.type === 'MARKET' && this.fillableQuantity(opposite, entry, 1n) === 0n) {
      return [this.rejected(orderId, accountId, 'NO_LIQUIDITY', 'no liquidity to take')];
    }

    this.orders.set(orderId, entry);
    const accepted: EngineEvent = {
      type: 'ACCEPTED',
      sequence: ++this.sequence,
      orderId,
      accountId,
      side: entry.side,
      orderType: entry.type,
      price: entry.price,
      quantity: entry.quantity,
      timeInForce: entry.timeInForce,
      postOnly: entry.postOnly,
    };
    // Nothing crosses (the usual passive add): the order rests or, IOC, is cancelled; one event either way.
    if (!takes) return [accepted, this.close(entry, false) as EngineEvent];

    const out: EngineEvent[] = [accepted];
    const stoppedBySelfTrade = this.match(entry, opposite, out);
    const closing = this.close(entry, stoppedBySelfTrade);
    if (closing !== null) out.push(closing);
    return out;
  }

  /** Cancels a resting order (reason USER). */
  cancel(orderId: string): EngineEvent[] {
    const entry = this.orders.get(orderId);
    if (entry === undefined) return [this.cancelRejected(orderId, 'CANCEL')];
    const level = this.unrest(entry);
    const cancelled = this.cancelEntry(entry, 'USER');
    return [cancelled, this.delta(entry.side, level)];
  }

  /** Expires a resting order; the caller owns the clock (GTD expiry). */
  expire(orderId: string): EngineEvent[] {
    const entry = this.orders.get(orderId);
    if (entry === undefined) return [this.cancelRejected(orderId, 'EXPIRE')];
    const level = this.unrest(entry);
    const remaining = entry.remaining;
    this.orders.delete(orderId);
    const expired: EngineEvent = { type: 'EXPIRED', sequence: ++this.sequence, orderId, accountId: entry.accountId, remaining };
    return [expired, this.delta(entry.side, level)];
  }

  /** A live (resting) order; undefined once it is final, as for an id never seen. */
  getOrder(orderId: string): OrderState | undefined {
    const e = this.orders.get(orderId);
    if (e === undefined) return undefined;
    return {
      orderId: e.orderId,
      accountId: e.accountId,
      side: e.side,
      type: e.type,
      price: e.price,
      timeInForce: e.timeInForce,
      postOnly: e.postOnly,
      status: e.remaining === e.quantity ? 'OPEN' : 'PARTIALLY_FILLED',
      quantity: e.quantity,
      filledQuantity: e.quantity - e.remaining,
      remaining: e.remaining,
    };
  }

  snapshot(depth = Number.POSITIVE_INFINITY): BookSnapshot {
    return { bids: this.bids.snapshot(depth), asks: this.asks.snapshot(depth), sequence: this.sequence };
  }

  bestBid(): BookLevel | undefined {
    return levelView(this.bids.best());
  }

  bestAsk(): BookLevel | undefined {
    return levelView(this.asks.best());
  }

  /**
   * Takes from the opposite side while it crosses. Returns true when self-trade prevention stopped the taker.
   * One BOOK_DELTA per level touched, after that level's trades and cancels.
   */
  private match(taker: OrderEntry, opposite: BookSide, out: EngineEvent[]): boolean {
    const levels = opposite.levels;
    const policy = this.selfTradePrevention;
    const limit = taker.price;
    while (taker.remaining > 0n) {
      const level = levels[levels.length - 1];
      if (level === undefined || !crosses(taker.side, limit, level.price)) return false;
      let changed = false;
      let stopped = false;
      let maker = level.head;
      while (maker !== null && taker.remaining > 0n) {
        const next = maker.next;
        if (maker.accountId === taker.accountId) {
          if (policy !== 'CANCEL_TAKER') {
            level.remove(maker);
            out.push(this.cancelEntry(maker, 'SELF_TRADE_PREVENTION'));
            changed = true;
          }
          if (policy !== 'CANCEL_MAKER') {
            stopped = true;
            break;
          }
        } else {
          out.push(this.trade(level, maker, taker));
          changed = true;
        }
        maker = next;
      }
      if (changed) {
        out.push(this.delta(opposite.side, level));
        if (level.orderCount === 0) levels.pop();
      }
      if (stopped) return true;
    }
    return false;
  }

  private trade(level: PriceLevel, maker: OrderEntry, taker: OrderEntry): EngineEvent {
    // One side always ends at 0: comparing first spares that subtraction's bigint (and the level's, when it empties).
    const makerLeft = maker.remaining;
    const takerLeft = taker.remaining;
    let quantity: bigint;
    if (makerLeft <= takerLeft) {
      quantity = makerLeft;
      maker.remaining = 0n;
      taker.remaining = makerLeft === takerLeft ? 0n : takerLeft - quantity;
    } else {
      quantity = takerLeft;
      taker.remaining = 0n;
      maker.remaining = makerLeft - quantity;
    }
    level.quantity = level.quantity === quantity ? 0n : level.quantity - quantity;
    if (maker.remaining === 0n) {
      level.remove(maker);
      this.orders.delete(maker.orderId);
    }
    return {
      type: 'TRADE',
      sequence: ++this.sequence,
      tradeId: `${this.symbol}-${++this.trades}`,
      price: level.price,
      quantity,
      makerOrderId: maker.orderId,
      makerAccountId: maker.accountId,
      takerOrderId: taker.orderId,
      takerAccountId: taker.accountId,
      takerSide: taker.side,
      makerRemaining: maker.remaining,
      takerRemaining: taker.remaining,
    };
  }

  /**
   * How much the taker could really trade, counting at most up to `needed`: walks crossing orders in
   * priority order exactly as `match` would, skipping own orders under CANCEL_MAKER and stopping at the first
   * one otherwise.
   */
  private fillableQuantity(opposite: BookSide, taker: OrderEntry, needed: bigint): bigint {
    const levels = opposite.levels;
    const skipOwn = this.selfTradePrevention === 'CANCEL_MAKER';
    let sum = 0n;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i] as PriceLevel;
      if (!crosses(taker.side, taker.price, level.price)) break;
      for (let maker = level.head; maker !== null; maker = maker.next) {
        if (maker.accountId === taker.accountId) {
          if (skipOwn) continue;
          return sum;
        }
        sum += maker.remaining;
        if (sum >= needed) return sum;
      }
    }
    return sum;
  }

  /**
   * Settles the taker once matching is done: FILLED (no event; its trades said so), cancelled (its remainder),
   * or resting on its own side (the BOOK_DELTA of its level).
   */
  private close(entry: OrderEntry, stoppedBySelfTrade: boolean): EngineEvent | null {
    if (entry.remaining === 0n) {
      this.orders.delete(entry.orderId);
      return null;
    }
    if (stoppedBySelfTrade) return this.cancelEntry(entry, 'SELF_TRADE_PREVENTION');
    if (entry.type === 'MARKET') return this.cancelEntry(entry, 'MARKET_REMAINDER');
    // FOK never gets here: its pre-check guarantees a complete fill.
    if (entry.timeInForce === 'IOC' || entry.timeInForce === 'FOK') return this.cancelEntry(entry, 'IOC_REMAINDER');
    const own = entry.side === 'BUY' ? this.bids : this.asks;
    const level = own.getOrCreate(entry.price as bigint);
    level.append(entry);
    return this.delta(entry.side, level);
  }

  private cancelRejected(orderId: string, request: 'CANCEL' | 'EXPIRE'): EngineEvent {
    return { type: 'CANCEL_REJECTED', sequence: ++this.sequence, orderId, request, reason: 'UNKNOWN_ORDER' };
  }

  /** Takes a resting order off the book, dropping its level if it was the last order there. */
  private unrest(entry: OrderEntry): PriceLevel {
    const level = entry.level as PriceLevel;
    level.remove(entry);
    if (level.orderCount === 0) (entry.side === 'BUY' ? this.bids : this.asks).removeLevel(level);
    return level;
  }

  private cancelEntry(entry: OrderEntry, reason: CancelReason): EngineEvent {
    const remaining = entry.remaining;
    this.orders.delete(entry.orderId);
    return {
      type: 'CANCELLED',
      sequence: ++this.sequence,
      orderId: entry.orderId,
      accountId: entry.accountId,
      remaining,
      reason,
    };
  }

  private rejected(orderId: string, accountId: string, reason: RejectReason, message: string): EngineEvent {
    return { type: 'REJECTED', sequence: ++this.sequence, orderId, accountId, reason, message };
  }

  private delta(side: Side, level: PriceLevel): EngineEvent {
    return {
      type: 'BOOK_DELTA',
      sequence: ++this.sequence,
      side,
      price: level.price,
      quantity: level.quantity,
      orderCount: level.orderCount,
    };
  }
}

/** Whether a taker on `side` with `limit` (null = market) may trade against a resting price. */
function crosses(side: Side, limit: bigint | null, restingPrice: bigint): boolean {
  if (limit === null) return true;
  return side === 'BUY' ? restingPrice <= limit : restingPrice >= limit;
}

function levelView(level: PriceLevel | undefined): BookLevel | undefined {
  if (level === undefined) return undefined;
  return { price: level.price, quantity: level.quantity, orderCount: level.orderCount };
}

/** Orders may come from a wire decoder, so every field is checked at run time, not only by the type. */
function validationError(order: EngineOrder): string | null {
  const { accountId, side, type, price, quantity, timeInForce, postOnly, protectionPrice } = order;
  if (typeof accountId !== 'string' || accountId.length === 0) return 'accountId must be a non-empty string';
  if (side !== 'BUY' && side !== 'SELL') return 'side must be BUY or SELL';
  if (typeof quantity !== 'bigint' || quantity <= 0n) return 'quantity must be a bigint greater than 0';
  if (timeInForce !== 'GTC' && timeInForce !== 'IOC' && timeInForce !== 'FOK' && timeInForce !== 'GTD') {
    return 'timeInForce must be GTC, IOC, FOK or GTD';
  }
  if (typeof postOnly !== 'boolean') return 'postOnly must be a boolean';
  if (protectionPrice !== null && protectionPrice !== undefined) {
    if (type !== 'MARKET') return 'protectionPrice is for MARKET orders only';
    if (typeof protectionPrice !== 'bigint' || protectionPrice <= 0n) return 'protectionPrice must be a bigint greater than 0';
  }
  if (type === 'LIMIT') {
    if (typeof price !== 'bigint' || price <= 0n) return 'LIMIT price must be a bigint greater than 0';
    if (postOnly && timeInForce !== 'GTC' && timeInForce !== 'GTD') return 'post-only needs GTC or GTD';
    return null;
  }
  if (type === 'MARKET') {
    if (price !== null && price !== undefined) return 'MARKET order must not have a price';
    if (postOnly) return 'post-only is for LIMIT orders only';
    return null;
  }
  return 'type must be LIMIT or MARKET';
}

import * as v from 'valibot';
import { formatDecimal, parseDecimal } from '../domain/decimal';
import { orderEventId } from '../domain/events';
import { BookDeltaSchema, PublicTradeSchema, VenueReportSchema, type PriceFeedEvent, type VenueReport, type VenueReportBody } from '../domain/venue-events';
import type { FillLiquidity, VenueFillRecord, VenueOrderRecord } from '../domain/venue-order';
import type { EngineEvent, TradeEvent } from './engine-types';

export interface TranslationContext {
  symbol: string;
  nowIso: string;
  /** The current state of a user order; undefined for the venue's own (liquidity) orders, which are not reported. */
  userOrder(orderId: string): VenueOrderRecord | undefined;
  /**
   * The engine numbers trades from 1 in every process; the venue's trade ids carry the run too, so a fillId
   * (`${tradeId}:${orderId}`) never repeats after a restart.
   */
  tradeId(engineTradeId: string): string;
  /** The version of the first public feed event of this call (trades and book deltas share one sequence). */
  firstFeedVersion: number;
  /** Rebuilding the book after a restart: the orders were accepted in an earlier run, so ACCEPTED is not news. */
  quietAccepts?: boolean;
  /** The order a submit call enters, when its caller takes that order's reports from the answer: they are marked `inSubmitAnswer`. */
  answeredOrderId?: string;
}

export interface Translation {
  /** The new state of every user order the call touched. */
  orders: Map<string, VenueOrderRecord>;
  fills: VenueFillRecord[];
  /** For `venue-reports`, in the order the engine produced them. */
  reports: VenueReport[];
  /** For `price-feeds`, numbered from firstFeedVersion. */
  feed: PriceFeedEvent[];
}

/**
 * What one engine call means for the outside world: each user order's new state and reports (numbered per
 * order), its fills, and the public trades and book deltas. Pure; everything it returns passes the wire schemas.
 */
export function translateEngineEvents(events: readonly EngineEvent[], ctx: TranslationContext): Translation {
  const out: Translation = { orders: new Map(), fills: [], reports: [], feed: [] };
  const current = (orderId: string) => out.orders.get(orderId) ?? ctx.userOrder(orderId);
  let feedVersion = ctx.firstFeedVersion;

  const report = (order: VenueOrderRecord, changes: Partial<VenueOrderRecord>, body: VenueReportBody): VenueOrderRecord => {
    const version = order.version + 1;
    const next: VenueOrderRecord = { ...order, ...changes, version, updatedAt: ctx.nowIso };
    out.orders.set(order.orderId, next);
    out.reports.push(
      v.parse(VenueReportSchema, {
        eventId: orderEventId(order.orderId, version),
        eventType: 'VenueReport',
        occurredAt: ctx.nowIso,
        version,
        orderId: order.orderId,
        accountId: order.accountId,
        symbol: ctx.symbol,
        report: body,
        ...(order.orderId === ctx.answeredOrderId ? { inSubmitAnswer: true } : {}),
      }),
    );
    return next;
  };

  const fill = (event: TradeEvent, tradeId: string, orderId: string, liquidity: FillLiquidity, remaining: bigint, contra: { accountId: string; orderId: string }) => {
    const order = current(orderId);
    if (order === undefined) return;
    const filled = parseDecimal(order.filledQuantity) + event.quantity;
    const price = formatDecimal(event.price);
    const quantity = formatDecimal(event.quantity);
    const fillId = `${tradeId}:${orderId}`;
    const next = report(
      order,
      { filledQuantity: formatDecimal(filled), remaining: formatDecimal(remaining), status: remaining === 0n ? 'FILLED' : 'PARTIALLY_FILLED' },
      { type: 'FILL', fillId, tradeId, side: order.side, price, quantity, liquidity, remaining: formatDecimal(remaining), contra },
    );
    out.fills.push({
      fillId,
      orderId,
      accountId: order.accountId,
      symbol: ctx.symbol,
      tradeId,
      side: order.side,
      price,
      quantity,
      liquidity,
      remaining: formatDecimal(remaining),
      version: next.version,
      occurredAt: ctx.nowIso,
      contra,
    });
  };

  /** Cancelled, expired and rejected quantity all end the order with nothing resting. */
  const close = (orderId: string, status: 'CANCELLED' | 'EXPIRED' | 'REJECTED', closed: bigint, reason: string | null, body: VenueReportBody) => {
    const order = current(orderId);
    if (order === undefined) return;
    const cancelled = parseDecimal(order.cancelledQuantity) + closed;
    report(order, { status, remaining: '0', cancelledQuantity: formatDecimal(cancelled), reason }, body);
  };

  for (const event of events) {
    switch (event.type) {
      case 'ACCEPTED': {
        const order = current(event.orderId);
        if (order !== undefined && ctx.quietAccepts !== true) report(order, { status: 'OPEN' }, { type: 'ACCEPTED' });
        break;
      }
      case 'REJECTED': {
        const order = current(event.orderId);
        if (order !== undefined) close(event.orderId, 'REJECTED', parseDecimal(order.remaining), event.reason, { type: 'REJECTED', reason: event.reason });
        break;
      }
      case 'TRADE': {
        const tradeId = ctx.tradeId(event.tradeId);
        const maker = { accountId: event.makerAccountId, orderId: event.makerOrderId };
        const taker = { accountId: event.takerAccountId, orderId: event.takerOrderId };
        fill(event, tradeId, event.makerOrderId, 'MAKER', event.makerRemaining, taker);
        fill(event, tradeId, event.takerOrderId, 'TAKER', event.takerRemaining, maker);
        out.feed.push(
          v.parse(PublicTradeSchema, {
            eventId: `${ctx.symbol}:${feedVersion}`,
            eventType: 'PublicTrade',
            occurredAt: ctx.nowIso,
            version: feedVersion++,
            symbol: ctx.symbol,
            tradeId,
            price: formatDecimal(event.price),
            quantity: formatDecimal(event.quantity),
            takerSide: event.takerSide,
          }),
        );
        break;
      }
      case 'CANCELLED':
        close(event.orderId, 'CANCELLED', event.remaining, event.reason, { type: 'CANCELLED', reason: event.reason, remaining: formatDecimal(event.remaining) });
        break;
      case 'EXPIRED':
        // The venue expires only on the order workflow's GTD timer.
        close(event.orderId, 'EXPIRED', event.remaining, 'GTD_EXPIRED', { type: 'EXPIRED', remaining: formatDecimal(event.remaining) });
        break;
      case 'BOOK_DELTA':
        out.feed.push(
          v.parse(BookDeltaSchema, {
            eventId: `${ctx.symbol}:${feedVersion}`,
            eventType: 'BookDelta',
            occurredAt: ctx.nowIso,
            version: feedVersion++,
            symbol: ctx.symbol,
            side: event.side,
            price: formatDecimal(event.price),
            quantity: formatDecimal(event.quantity),
            orderCount: event.orderCount,
          }),
        );
        break;
      case 'CANCEL_REJECTED':
        // The caller of cancel answers it; nothing changed, so nothing to report.
        break;
    }
  }
  return out;
}

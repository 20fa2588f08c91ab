import { formatDecimal, parseDecimal, type Scaled } from '../domain/decimal';
import type { OrderSide } from '../domain/order';
import type { PriceFeedEvent } from '../domain/venue-events';

/** A public trade of the venue, exact inside. */
export interface Trade {
  /** The venue's feed version: per symbol, increasing (trades and book deltas share it). */
  version: number;
  tradeId: string;
  symbol: string;
  price: Scaled;
  quantity: Scaled;
  takerSide: OrderSide;
  timeMs: number;
}

export interface TradeView {
  tradeId: string;
  symbol: string;
  price: string;
  quantity: string;
  takerSide: OrderSide;
  time: string;
  version: number;
}

export function tradeFromEvent(event: Extract<PriceFeedEvent, { eventType: 'PublicTrade' }>): Trade {
  return {
    version: event.version,
    tradeId: event.tradeId,
    symbol: event.symbol,
    price: parseDecimal(event.price),
    quantity: parseDecimal(event.quantity),
    takerSide: event.takerSide,
    timeMs: Date.parse(event.occurredAt),
  };
}

export function tradeView(trade: Trade): TradeView {
  return {
    tradeId: trade.tradeId,
    symbol: trade.symbol,
    price: formatDecimal(trade.price),
    quantity: formatDecimal(trade.quantity),
    takerSide: trade.takerSide,
    time: new Date(trade.timeMs).toISOString(),
    version: trade.version,
  };
}

/** The shapes the order API and the market data service send (see README: Order API, Market data). Decimals are strings. */

// The order API's own contracts, as the server's schemas define them (type-only: nothing of domain/ is bundled).
export type { OrderStatus, OrderType, OrderView, TimeInForce } from '../../../domain/order';
import type { OrderStatus, OrderView } from '../../../domain/order';
export type Side = OrderView['side'];

export interface SymbolRules {
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
  status: 'TRADING' | 'HALTED';
}

export interface Ticker {
  symbol: string;
  last: string | null;
  bid: string | null;
  ask: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  volume: string;
  quoteVolume: string;
  trades: number;
  change: string | null;
  changePercent: string | null;
  time: string;
}

export interface Trade {
  tradeId: string;
  symbol: string;
  price: string;
  quantity: string;
  takerSide: Side;
  time: string;
  version: number;
}

export interface Candle {
  openTime: string;
  closeTime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/** A fill as the page shows it: from GET /api/fills, or built from an execution report (which names no account). */
export interface FillView {
  fillId: string;
  tradeId: string;
  orderId: string;
  symbol: string;
  side: Side;
  price: string;
  quantity: string;
  liquidity: 'MAKER' | 'TAKER';
  fee: string;
  feeAsset: string;
  executedAt: string;
}

export interface ExecutionReport {
  eventId: string;
  occurredAt: string;
  version: number;
  orderId: string;
  status: OrderStatus;
  order: OrderView;
  fill?: { fillId: string; tradeId: string; price: string; quantity: string; liquidity: 'MAKER' | 'TAKER'; fee: string; feeAsset: string };
}

export interface Position {
  symbol: string;
  quantity: string;
  averageEntryPrice: string | null;
  realizedPnl: string;
  openCost?: string;
  markPrice: string | null;
  unrealizedPnl: string | null;
  version: number;
}

export interface Balance {
  asset: string;
  total: string;
  available: string;
  held: string;
}

export type PrivateUpdate = { kind: 'order'; report: ExecutionReport } | { kind: 'position'; position: Position };
export interface PrivateSnapshot {
  orders: OrderView[];
  positions: Position[];
}

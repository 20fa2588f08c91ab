import { mul, sub, toScaled, fromScaled } from './decimal';
import type { ExecutionReport, FillView, OrderStatus, OrderView, Position, Ticker } from './types';

/** Statuses of an order that still rests at (or is on its way to) the venue and can be cancelled. */
export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set(['NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL']);
export const isOpen = (order: OrderView): boolean => OPEN_STATUSES.has(order.status);

/** Why an order ended (IOC_REMAINDER, USER_CANCELLED, a risk refusal...): rejectReason for answers from before statusReason. */
export const endReason = (order: OrderView): string | null => order.statusReason ?? order.rejectReason;

/**
 * Puts `order` into a list newest first, keeping whichever copy has the higher version: the private channel's
 * snapshot and its updates may overlap (PROTOCOL.md), and REST reads race the live updates.
 */
export function upsertOrder(list: readonly OrderView[], order: OrderView): OrderView[] {
  const index = list.findIndex((o) => o.orderId === order.orderId);
  if (index >= 0) {
    if (list[index]!.version >= order.version) return list as OrderView[];
    const next = [...list];
    next[index] = order;
    return next;
  }
  const next = [...list, order];
  next.sort((a, b) => (a.createdAt === b.createdAt ? b.orderId.localeCompare(a.orderId) : a.createdAt < b.createdAt ? 1 : -1));
  return next;
}

export interface HistoryFilter {
  symbol: string;
  status: string;
}

export const matchesFilter = (order: OrderView, filter: HistoryFilter): boolean =>
  (filter.symbol === '' || order.symbol === filter.symbol) && (filter.status === '' || order.status === filter.status);

/** The fill an execution report carries, as GET /api/fills shows it; null when the report applied none. */
export function fillFromReport(report: ExecutionReport): FillView | null {
  if (report.fill === undefined) return null;
  return { ...report.fill, orderId: report.orderId, symbol: report.order.symbol, side: report.order.side, executedAt: report.occurredAt };
}

/** Adds a fill newest first unless its fillId is already there. */
export function addFill(list: readonly FillView[], fill: FillView): FillView[] {
  if (list.some((f) => f.fillId === fill.fillId)) return list as FillView[];
  const next = [fill, ...list];
  next.sort((a, b) => (a.executedAt < b.executedAt ? 1 : a.executedAt > b.executedAt ? -1 : 0));
  return next;
}

export function upsertPosition(list: readonly Position[], position: Position): Position[] {
  const index = list.findIndex((p) => p.symbol === position.symbol);
  if (index >= 0 && list[index]!.version > position.version) return list as Position[];
  const next = index >= 0 ? [...list] : [...list, position];
  if (index >= 0) next[index] = position;
  else next.sort((a, b) => a.symbol.localeCompare(b.symbol));
  return next;
}

/** The mark the server uses: the mid of best bid and ask, else the last trade; null when the ticker knows neither. */
export function markOf(ticker: Ticker | undefined): string | null {
  if (ticker === undefined) return null;
  if (ticker.bid !== null && ticker.ask !== null) {
    const total = toScaled(ticker.bid) + toScaled(ticker.ask);
    return fromScaled(total / 2n);
  }
  return ticker.last;
}

/**
 * The position marked to the live mark: unrealized = mark × quantity − cost of the open quantity (the server's
 * formula, exact when the record carries openCost), else (mark − average) × quantity. Flat: no unrealized PnL.
 */
export function markLive(position: Position, mark: string | null): Position {
  if (mark === null) return position;
  if (toScaled(position.quantity) === 0n) return { ...position, markPrice: mark, unrealizedPnl: null };
  let unrealized: string | null = null;
  if (position.openCost !== undefined) unrealized = sub(mul(mark, position.quantity), position.openCost);
  else if (position.averageEntryPrice !== null) unrealized = mul(sub(mark, position.averageEntryPrice), position.quantity);
  return { ...position, markPrice: mark, unrealizedPnl: unrealized };
}

import { formatDecimal, mul, parseDecimal } from './decimal';
import type { PositionRecord, PositionView } from './market-events';

/**
 * A position marked to a price: unrealized PnL = (mark - averageEntryPrice) × quantity, in the quote asset,
 * rounded half-even to 18 digits; null when no mark is known or the position is flat.
 */
export function markPosition(record: PositionRecord, mark: string | null): PositionView {
  const quantity = parseDecimal(record.quantity);
  const unrealized =
    mark === null || record.averageEntryPrice === null || quantity === 0n
      ? null
      : formatDecimal(mul(parseDecimal(mark) - parseDecimal(record.averageEntryPrice), quantity, 'HALF_EVEN'));
  return { ...record, markPrice: mark, unrealizedPnl: unrealized };
}

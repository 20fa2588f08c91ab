import { formatDecimal, mul, parseDecimal } from './decimal';
import type { PositionRecord, PositionView } from './market-events';

/**
 * A position marked to a price: unrealized PnL = mark × quantity − cost of the open quantity, in the quote asset,
 * with one half-even rounding (from the average entry price when an older record has no `openCost`); null when no
 * mark is known or the position is flat. The risk engine and the market data service both mark with this.
 */
export function markPosition(record: PositionRecord, mark: string | null): PositionView {
  const quantity = parseDecimal(record.quantity);
  let unrealized: string | null = null;
  if (mark !== null && quantity !== 0n) {
    if (record.openCost !== undefined) unrealized = formatDecimal(mul(parseDecimal(mark), quantity, 'HALF_EVEN') - parseDecimal(record.openCost));
    else if (record.averageEntryPrice !== null) unrealized = formatDecimal(mul(parseDecimal(mark) - parseDecimal(record.averageEntryPrice), quantity, 'HALF_EVEN'));
  }
  return { ...record, markPrice: mark, unrealizedPnl: unrealized };
}

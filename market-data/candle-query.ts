import { DomainError } from '../domain/errors';
import { parseIsoTimestamp } from '../domain/order';
import { CANDLE_INTERVALS, INTERVAL_MS, isCandleInterval, type CandleInterval } from './candles';

export const DEFAULT_CANDLE_LIMIT = 500;
export const MAX_CANDLE_LIMIT = 1_000;
/** The widest range one query may span, in candles of its interval: bounds what a query can make the store scan. */
export const MAX_CANDLE_SPAN = 10_000;

export interface CandleQueryInput {
  interval?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  /** A string as a query gives it, or a number once a schema parsed it. */
  limit?: string | number | undefined;
}

export interface ResolvedCandleQuery {
  interval: CandleInterval;
  /** Inclusive, on openTime. */
  fromMs?: number;
  /** Exclusive, on openTime. */
  toMs?: number;
  limit: number;
  /** The newest `limit` candles of the range (no start given) rather than the oldest. */
  newest: boolean;
}

/**
 * `?interval=&start=&end=&limit=` of GET /api/market/candles/:symbol. Times are epoch milliseconds or ISO-8601
 * with a zone; start is inclusive and end exclusive on the candles' open time. With a start, the first `limit`
 * candles from it; without, the last `limit` before end (or now). Answers are always oldest first.
 */
export function resolveCandleQuery(input: CandleQueryInput): ResolvedCandleQuery {
  const interval = input.interval ?? '1m';
  if (!isCandleInterval(interval)) {
    throw new DomainError('INVALID_INTERVAL', `interval must be one of ${CANDLE_INTERVALS.join(', ')}`, { interval: shown(interval), intervals: [...CANDLE_INTERVALS] });
  }
  const limit = parseLimit(input.limit);
  const fromMs = parseTime('start', input.start);
  const toMs = parseTime('end', input.end);
  if (fromMs !== undefined && toMs !== undefined) {
    if (fromMs >= toMs) throw new DomainError('INVALID_TIME_RANGE', 'start must be before end', { start: input.start, end: input.end });
    const span = (toMs - fromMs) / INTERVAL_MS[interval];
    if (span > MAX_CANDLE_SPAN) {
      throw new DomainError('INVALID_TIME_RANGE', `the range spans ${Math.ceil(span)} ${interval} candles; at most ${MAX_CANDLE_SPAN} per query`, {
        start: input.start,
        end: input.end,
        maxSpan: MAX_CANDLE_SPAN,
      });
    }
  }
  return {
    interval,
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
    limit,
    newest: fromMs === undefined,
  };
}

function parseLimit(given: string | number | undefined): number {
  if (given === undefined) return DEFAULT_CANDLE_LIMIT;
  const text = String(given);
  const limit = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_CANDLE_LIMIT)) {
    throw new DomainError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_CANDLE_LIMIT}`, { field: 'limit', value: shown(text) });
  }
  return limit;
}

function parseTime(field: 'start' | 'end', text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : parseIsoTimestamp(text);
  if (ms === undefined) {
    throw new DomainError('VALIDATION_FAILED', `${field} must be epoch milliseconds or an ISO-8601 timestamp with a zone, e.g. 2016-10-07T00:00:00Z`, {
      field,
      value: shown(text),
    });
  }
  return ms;
}

const shown = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}…` : text);

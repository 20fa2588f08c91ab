import { formatDecimal, parseDecimal } from '../domain/decimal';
import type { CandleRecord } from '../infra/mongo/candle-store';
import { isCandleInterval, type Candle } from './candles';

export function candleRecord(candle: Candle, source: CandleRecord['source']): CandleRecord {
  return {
    symbol: candle.symbol,
    interval: candle.interval,
    openTimeMs: candle.openTimeMs,
    open: formatDecimal(candle.open),
    high: formatDecimal(candle.high),
    low: formatDecimal(candle.low),
    close: formatDecimal(candle.close),
    volume: formatDecimal(candle.volume),
    lastVersion: candle.lastVersion,
    source,
  };
}

export function candleFromRecord(record: CandleRecord): Candle {
  if (!isCandleInterval(record.interval)) throw new Error(`stored candle ${record.symbol} ${record.interval} has an unknown interval`);
  return {
    symbol: record.symbol,
    interval: record.interval,
    openTimeMs: record.openTimeMs,
    open: parseDecimal(record.open),
    high: parseDecimal(record.high),
    low: parseDecimal(record.low),
    close: parseDecimal(record.close),
    volume: parseDecimal(record.volume),
    lastVersion: record.lastVersion,
  };
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
// The venue's replay parses the same files with the same parser: one reading of shared/data/market for both.
import { parseMarketDataCsv } from '../domain/market-data-csv';
import type { Logger } from '../infra/logger';
import type { MongoCandleStore } from '../infra/mongo/candle-store';
import { candleRecord } from './candle-records';
import { aggregateBars, CANDLE_INTERVALS } from './candles';

/** The bar length a file's name announces: `_1s_` or `_1m_` (Coinbase), `_min_` (Bitstamp). */
export function barLengthMs(file: string): number {
  if (/_1s_/.test(file)) return 1_000;
  if (/_(1m|min)_/.test(file)) return 60_000;
  throw new Error(`cannot tell the bar length of ${file}: expected _1s_, _1m_ or _min_ in its name`);
}

export interface BackfillResult {
  file: string;
  candles: number;
  /** Already done for this very content (same checksum): nothing read or written. */
  skipped: boolean;
}

/**
 * Candle history from the market data files, at every interval, keeping the bars' real timestamps. Idempotent
 * (each candle is an upsert by its id) and cheap on a second start: a marker per symbol, file and checksum says
 * the file is in, so a changed file is taken again and an unchanged one is not even parsed.
 */
export async function backfillCandles(deps: { store: MongoCandleStore; logger: Logger; dir: string; files: readonly string[]; symbol: string }): Promise<BackfillResult[]> {
  const results: BackfillResult[] = [];
  for (const file of deps.files) {
    const started = Date.now();
    const bytes = await readFile(join(deps.dir, file));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const marker = `${deps.symbol}:${file}:${sha256}`;
    if (await deps.store.backfillDone(marker)) {
      results.push({ file, candles: 0, skipped: true });
      continue;
    }
    const parsed = parseMarketDataCsv(bytes.toString('utf8'), file);
    if (parsed.kind !== 'trades') throw new Error(`${file} holds quotes, not trade bars: it has no candles`);
    const barMs = barLengthMs(file);
    const records = CANDLE_INTERVALS.flatMap((interval) => aggregateBars(deps.symbol, parsed.bars, barMs, interval).map((c) => candleRecord(c, 'history')));
    await deps.store.upsertHistory(records);
    await deps.store.markBackfilled({ id: marker, file, sha256, symbol: deps.symbol, candles: records.length, doneAt: new Date().toISOString() });
    deps.logger.info({ file, symbol: deps.symbol, bars: parsed.bars.length, candles: records.length, ms: Date.now() - started }, 'market_data.backfilled');
    results.push({ file, candles: records.length, skipped: false });
  }
  return results;
}

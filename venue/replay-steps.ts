import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { MarketDataError, type MarketDataFile, type TradeBar } from '../domain/market-data-csv';
import { readMarketDataFile } from '../infra/market-data-file';
import type { ReplayStep } from './liquidity-simulator';

/**
 * The steps of a replay. A trades file gives one step per bar. A quotes file gives one step per quote bar,
 * with the trade bar of the same minute when its companion trades file (the same name with `trades` for
 * `quotes`) is there, so the ladder follows the real bid and ask and the takers follow the real trading.
 */
export function replaySteps(primary: MarketDataFile, companion?: MarketDataFile): ReplayStep[] {
  if (primary.kind === 'trades') return primary.bars.map((bar) => ({ timeMs: bar.timeMs, trades: bar, quote: null }));
  const trades = new Map<number, TradeBar>();
  if (companion?.kind === 'trades') for (const bar of companion.bars) trades.set(bar.timeMs, bar);
  return primary.bars.map((quote) => ({ timeMs: quote.timeMs, trades: trades.get(quote.timeMs) ?? null, quote }));
}

export async function loadReplaySteps(dir: string, file: string): Promise<{ steps: ReplayStep[]; files: string[] }> {
  const primary = await readMarketDataFile(join(dir, file));
  const files = [file];
  let companion: MarketDataFile | undefined;
  if (primary.kind === 'quotes' && file.includes('quotes')) {
    const companionFile = file.replace('quotes', 'trades');
    const exists = await access(join(dir, companionFile)).then(
      () => true,
      () => false,
    );
    if (exists) {
      companion = await readMarketDataFile(join(dir, companionFile));
      files.push(companionFile);
    }
  }
  const steps = replaySteps(primary, companion);
  if (steps.length === 0) throw new MarketDataError(`${file} has no rows to replay`);
  return { steps, files };
}

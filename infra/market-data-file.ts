import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseMarketDataCsv, type MarketDataFile } from '../domain/market-data-csv';

/** Reads one file of the market data folder (shared/data/market) and parses it; errors name the file and line. */
export async function readMarketDataFile(path: string): Promise<MarketDataFile> {
  return parseMarketDataCsv(await readFile(path, 'utf8'), basename(path));
}

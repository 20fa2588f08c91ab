import { join } from 'node:path';
import { APP_ROOT, marketDataDir } from './config';
import { readMarketDataFile } from './market-data-file';

const MARKET_DIR = marketDataDir(undefined, APP_ROOT);

describe('readMarketDataFile on the shared data', () => {
  it.each([
    ['coinbase_btcusd_1s_trades_2016-10-07_to_09.csv', 'trades', 11520],
    ['coinbase_btcusd_1m_trades_2017-12-17.csv', 'trades', 1440],
    ['bitstamp_btcusd_min_2020_01_01.csv', 'trades', 1440],
    ['coinbase_btcusd_1m_quotes_2017-09-03_to_04.csv', 'quotes', 2876],
  ])('reads every row of %s', async (name, kind, rows) => {
    const file = await readMarketDataFile(join(MARKET_DIR, name));
    expect(file.kind).toBe(kind);
    expect(file.bars).toHaveLength(rows);
  });
});

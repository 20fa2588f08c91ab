import { parseDecimal } from './decimal';
import { MarketDataError, parseCsvDecimal, parseMarketDataCsv } from './market-data-csv';

const d = parseDecimal;

describe('parseMarketDataCsv', () => {
  it('reads Coinbase trade bars exactly', () => {
    const file = parseMarketDataCsv(
      'timestamp_ms,open,high,low,close,volume\n1475798404000,611.78,611.87,611.78,611.87,0.60046\n1475798430000,611.9,611.91,611.89,611.9,0.53826\n',
    );
    expect(file).toEqual({
      kind: 'trades',
      bars: [
        { timeMs: 1475798404000, open: d('611.78'), high: d('611.87'), low: d('611.78'), close: d('611.87'), volume: d('0.60046') },
        { timeMs: 1475798430000, open: d('611.9'), high: d('611.91'), low: d('611.89'), close: d('611.9'), volume: d('0.53826') },
      ],
    });
  });

  it('reads the Bitstamp datetime column as UTC', () => {
    const file = parseMarketDataCsv('datetime,open,high,low,close,volume\r\n2020-01-01 00:01:00,7161.51,7161.51,7155.09,7161.2,3.77692446\r\n');
    expect(file.kind).toBe('trades');
    expect(file.bars[0]?.timeMs).toBe(Date.UTC(2020, 0, 1, 0, 1, 0));
  });

  it('reads quote bars and cuts float noise past 18 digits instead of refusing it', () => {
    const file = parseMarketDataCsv(
      'timestamp_ms,bid_open,bid_high,bid_low,bid_close,last_bid_size,ask_open,ask_high,ask_low,ask_close,last_ask_size\n' +
        '1504396980000,4654.98,4654.98,4654.98,4654.98,1.81904517,4654.99,4654.99,4654.99,4654.99,0.0540359400000000051\n',
    );
    expect(file).toEqual({
      kind: 'quotes',
      bars: [{ timeMs: 1504396980000, bidClose: d('4654.98'), bidSize: d('1.81904517'), askClose: d('4654.99'), askSize: d('0.054035940000000005') }],
    });
  });

  it('names the file and line of a bad row', () => {
    const header = 'timestamp_ms,open,high,low,close,volume\n';
    expect(() => parseMarketDataCsv(`${header}1,1,2,1,1,abc\n`, 'f.csv')).toThrow('f.csv:2: volume is not a decimal: abc');
    expect(() => parseMarketDataCsv(`${header}1,1,2,1,1\n`, 'f.csv')).toThrow('f.csv:2: missing volume');
    expect(() => parseMarketDataCsv(`${header}2,1,1,1,1,1\n1,1,1,1,1,1\n`, 'f.csv')).toThrow('f.csv:3: rows are not in time order');
    expect(() => parseMarketDataCsv(`${header}1,5,2,1,1,1\n`, 'f.csv')).toThrow('between low and high');
    expect(() => parseMarketDataCsv('a,b\n1,2\n', 'f.csv')).toThrow(MarketDataError);
  });

  it('never goes through a float', () => {
    expect(parseCsvDecimal('0.1')).toBe(10n ** 17n);
    expect(parseCsvDecimal('9.342381490000001')).toBe(d('9.342381490000001'));
    expect(parseCsvDecimal('1e5')).toBeUndefined();
    expect(parseCsvDecimal('-1')).toBeUndefined();
  });
});

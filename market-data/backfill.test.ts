import { barLengthMs } from './backfill';

describe('barLengthMs', () => {
  it('reads the bar length from the file name', () => {
    expect(barLengthMs('coinbase_btcusd_1s_trades_2016-10-07_to_09.csv')).toBe(1_000);
    expect(barLengthMs('coinbase_btcusd_1m_trades_2017-12-17.csv')).toBe(60_000);
    expect(barLengthMs('bitstamp_btcusd_min_2020_01_01.csv')).toBe(60_000);
    expect(() => barLengthMs('coinbase_btcusd_1h_trades.csv')).toThrow('cannot tell the bar length');
  });
});

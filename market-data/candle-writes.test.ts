import type { CandleRecord } from '../infra/mongo/candle-store';
import type { Candle } from './candles';
import { CandleWrites } from './candle-writes';

const candle = (openTimeMs: number, lastVersion: number, interval: Candle['interval'] = '1m'): Candle => ({
  symbol: 'BTC-USD',
  interval,
  openTimeMs,
  open: 1n,
  high: 1n,
  low: 1n,
  close: BigInt(lastVersion),
  volume: 1n,
  lastVersion,
});

describe('CandleWrites', () => {
  it('keeps the newest version of each candle and writes them in one call', async () => {
    const writes: CandleRecord[][] = [];
    const buffer = new CandleWrites(async (records) => void writes.push(records));
    buffer.add([candle(0, 1), candle(0, 1, '5m')]);
    buffer.add([candle(0, 3), candle(60_000, 4)]);
    buffer.add([candle(0, 2)]);
    expect(buffer.size).toBe(3);
    await buffer.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((r) => [r.interval, r.openTimeMs, r.lastVersion, r.close, r.source])).toEqual([
      ['1m', 0, 3, '0.000000000000000003', 'live'],
      ['5m', 0, 1, '0.000000000000000001', 'live'],
      ['1m', 60_000, 4, '0.000000000000000004', 'live'],
    ]);
    await buffer.flush();
    expect(writes).toHaveLength(1);
  });

  it('keeps what a failed write held, without going back on a newer version', async () => {
    let fail = true;
    const writes: CandleRecord[][] = [];
    let release!: () => void;
    const buffer = new CandleWrites(async (records) => {
      await new Promise<void>((r) => (release = r));
      if (fail) throw new Error('store down');
      writes.push(records);
    });
    buffer.add([candle(0, 1), candle(60_000, 1)]);
    const flushing = buffer.flush();
    buffer.add([candle(0, 5)]);
    release();
    await expect(flushing).rejects.toThrow('store down');
    expect(buffer.size).toBe(2);
    fail = false;
    const again = buffer.flush();
    release();
    await again;
    expect(writes[0]!.map((r) => [r.openTimeMs, r.lastVersion])).toEqual([
      [0, 5],
      [60_000, 1],
    ]);
  });
});

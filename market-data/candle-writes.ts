import type { CandleRecord } from '../infra/mongo/candle-store';
import { candleRecord } from './candle-records';
import type { Candle } from './candles';

/**
 * Live candle writes gathered between flushes: one candle per id, the newest version of it. The price-feeds
 * consumer flushes before it commits offsets (ConsumerOptions.flush), so a burst of trades costs one bulk write
 * instead of one per trade, and a crash still redelivers whatever was not written.
 */
export class CandleWrites {
  private pending = new Map<string, Candle>();

  constructor(private readonly write: (records: CandleRecord[]) => Promise<void>) {}

  get size(): number {
    return this.pending.size;
  }

  add(candles: readonly Candle[]): void {
    for (const candle of candles) {
      const id = `${candle.symbol}:${candle.interval}:${candle.openTimeMs}`;
      const held = this.pending.get(id);
      if (held === undefined || held.lastVersion < candle.lastVersion) this.pending.set(id, candle);
    }
  }

  /** Writes what is pending; on failure it stays pending (unless a newer version of a candle came meanwhile). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const taken = this.pending;
    this.pending = new Map();
    try {
      await this.write([...taken.values()].map((c) => candleRecord(c, 'live')));
    } catch (error) {
      this.add([...taken.values()]);
      throw error;
    }
  }
}

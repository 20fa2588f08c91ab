import { abortableSleep } from '../infra/abortable-sleep';
import type { Logger } from '../infra/logger';
import type { BookSnapshot } from './book-sync';
import { recordBookResync } from './metrics';
import type { Candle } from './candles';
import type { MarketState } from './market-state';

export interface BookResyncOptions {
  state: Pick<MarketState, 'beginSnapshot' | 'applySnapshot'>;
  fetch: (symbol: string) => Promise<BookSnapshot & { truncated?: boolean }>;
  logger: Logger;
  /** Candles of trades the snapshot showed to be ours: the caller stores them. */
  onCandles: (candles: Candle[]) => Promise<void>;
  /** Least time between two fetches of one symbol, so a stream of foreign events cannot hammer the venue. */
  minIntervalMs?: number;
  /** Backoff cap while the venue does not answer. */
  maxBackoffMs?: number;
}

/**
 * Fetches a symbol's book from the venue whenever its book sync asks (a gap, a start), one fetch at a time per
 * symbol, at most one per `minIntervalMs`, retrying with backoff while the venue is away. Events keep flowing into
 * the sync's buffer meanwhile; nothing here blocks the Kafka consumer.
 */
export class BookResync {
  private readonly loops = new Map<string, Promise<void>>();
  private readonly wanted = new Set<string>();
  private readonly lastFetch = new Map<string, number>();
  /** Wakes a symbol's loop out of its failure backoff. */
  private readonly backoffWake = new Map<string, () => void>();
  private readonly stopping = new AbortController();
  private readonly minIntervalMs: number;
  private readonly maxBackoffMs: number;
  private snapshots = 0;

  constructor(private readonly options: BookResyncOptions) {
    this.minIntervalMs = options.minIntervalMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
  }

  get fetched(): number {
    return this.snapshots;
  }

  request(symbol: string): void {
    if (this.stopping.signal.aborted) return;
    this.wanted.add(symbol);
    if (this.loops.has(symbol)) return;
    const loop = this.run(symbol).finally(() => this.loops.delete(symbol));
    this.loops.set(symbol, loop);
  }

  /**
   * The feed shows the venue is publishing while a fetch of the symbol failed: try again now rather than at the
   * end of the backoff (still no sooner than minIntervalMs after the last try).
   */
  nudge(symbol: string): void {
    this.backoffWake.get(symbol)?.();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops.values());
  }

  private async run(symbol: string): Promise<void> {
    const { logger } = this.options;
    let failures = 0;
    while (this.wanted.delete(symbol)) {
      await this.sleep((this.lastFetch.get(symbol) ?? 0) + this.minIntervalMs - Date.now());
      if (this.stopping.signal.aborted) return;
      this.lastFetch.set(symbol, Date.now());
      const ticket = this.options.state.beginSnapshot(symbol);
      try {
        const snapshot = await this.options.fetch(symbol);
        this.snapshots += 1;
        recordBookResync(symbol);
        const outcome = this.options.state.applySnapshot(symbol, snapshot, ticket);
        failures = 0;
        logger.info(
          { symbol, sequence: snapshot.sequence, applied: outcome.applied, covered: outcome.covered, foreign: outcome.foreign, resync: outcome.resync },
          'market_data.book_snapshot',
        );
        if (snapshot.truncated === true) logger.warn({ symbol }, 'market_data.book_snapshot_truncated');
        if (outcome.resync) this.wanted.add(symbol);
        if (outcome.candles.length > 0) {
          await this.options.onCandles(outcome.candles).catch((error: unknown) => logger.error({ err: error, symbol, candles: outcome.candles.length }, 'market_data.candle_write_failed'));
        }
      } catch (error) {
        failures += 1;
        const delayMs = Math.min(this.maxBackoffMs, 500 * 2 ** Math.min(failures - 1, 10));
        // Quiet after the first few: a venue that is down for a while says so once, not every second.
        if (failures <= 3 || failures % 20 === 0) logger.warn({ err: error, symbol, failures, delayMs }, 'market_data.book_snapshot_failed');
        this.wanted.add(symbol);
        await this.sleep(delayMs, (wake) => this.backoffWake.set(symbol, wake));
        this.backoffWake.delete(symbol);
      }
    }
  }

  private sleep(ms: number, onWake?: (wake: () => void) => void): Promise<void> {
    return abortableSleep(ms, this.stopping.signal, onWake);
  }
}

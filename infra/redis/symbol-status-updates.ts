import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { withKeyPrefix } from './client';

/** The pub/sub channel every process that checks a symbol's runtime status listens on (under REDIS_KEY_PREFIX). */
export const SYMBOL_STATUS_CHANNEL = 'symbols:status';

const SYMBOL = /^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$/;

export interface SymbolStatusListener {
  /** The symbol's status changed in the store: read it again. */
  onChanged(symbol: string): void;
  /** The subscription was (re)established after being down: a change may have been missed, so read every status again. */
  onResubscribed(): void;
}

/**
 * A halt or resume within a second on every process: the writer stores the status first (Mongo `symbol_status`), then
 * publishes the symbol here; every listener reads the store again, so a message carries no state that could arrive
 * out of order. Pub/sub reaches only whoever is subscribed at that moment: a listener whose subscription was down
 * reloads everything when it is back, and a process that starts later reads the store.
 */
export class RedisSymbolStatusUpdates {
  private readonly channel: string;
  private subscribedOnce = false;

  constructor(
    private readonly publisher: Redis,
    /** A connection of its own: once subscribed it can run nothing else. */
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.channel = withKeyPrefix(publisher, SYMBOL_STATUS_CHANNEL);
  }

  async publish(symbol: string): Promise<number> {
    return this.publisher.publish(this.channel, JSON.stringify({ symbol }));
  }

  /** Subscribes and calls the listener for every change; resolves once the subscription is in place. */
  async listen(listener: SymbolStatusListener): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let symbol: unknown;
      try {
        symbol = (JSON.parse(message) as { symbol?: unknown }).symbol;
      } catch {
        symbol = undefined;
      }
      if (typeof symbol !== 'string' || !SYMBOL.test(symbol)) {
        this.logger.warn({ channel }, 'symbols.status_update_unreadable');
        return;
      }
      listener.onChanged(symbol);
    });
    // ioredis resubscribes by itself after a reconnect, and emits 'ready' when it has.
    this.subscriber.on('ready', () => {
      if (!this.subscribedOnce) return;
      this.logger.warn('symbols.status_resubscribed');
      listener.onResubscribed();
    });
    await this.subscriber.subscribe(this.channel);
    this.subscribedOnce = true;
  }

  async close(): Promise<void> {
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}

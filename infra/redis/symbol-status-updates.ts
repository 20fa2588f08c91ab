import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { RedisAnnouncements } from './announcements';

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
  private readonly announcements: RedisAnnouncements;

  constructor(publisher: Redis, /** A connection of its own: once subscribed it can run nothing else. */ subscriber: Redis, logger: Logger) {
    this.announcements = new RedisAnnouncements(
      { name: SYMBOL_STATUS_CHANNEL, field: 'symbol', pattern: SYMBOL, unreadableLog: 'symbols.status_update_unreadable', resubscribedLog: 'symbols.status_resubscribed' },
      publisher,
      subscriber,
      logger,
    );
  }

  publish(symbol: string): Promise<number> {
    return this.announcements.publish(symbol);
  }

  /** Subscribes and calls the listener for every change; resolves once the subscription is in place. */
  listen(listener: SymbolStatusListener): Promise<void> {
    return this.announcements.listen({ onAnnounced: (symbol) => listener.onChanged(symbol), onResubscribed: () => listener.onResubscribed() });
  }

  close(): Promise<void> {
    return this.announcements.close();
  }
}

import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { whenReady, withKeyPrefix } from './client';

/** What one announcement channel carries and how it is logged. */
export interface AnnouncementChannel {
  /** The channel's name under REDIS_KEY_PREFIX, e.g. `api-keys:revoked`. */
  readonly name: string;
  /** The one field of each message, e.g. `keyId`: `{ "<field>": "<value>" }`. */
  readonly field: string;
  /** What a value must look like; anything else is logged and dropped. */
  readonly pattern: RegExp;
  /** Log messages: a message that is not one, and the subscription coming back after it was down. */
  readonly unreadableLog: string;
  readonly resubscribedLog: string;
}

export interface AnnouncementListener {
  onAnnounced(value: string): void;
  /** The subscription was (re)established after being down: an announcement may have been missed. */
  onResubscribed(): void;
}

/**
 * "Something changed in the store, read it again" within a second on every process: the writer stores first, then
 * publishes the identifier here. Pub/sub reaches only whoever is subscribed at that moment, so a listener whose
 * subscription was down is told when it is back (onResubscribed) and a process that starts later reads the store.
 * Messages carry only an identifier, never state, so one arriving late or twice is harmless.
 */
export class RedisAnnouncements {
  private readonly channel: string;
  private subscribedOnce = false;

  constructor(
    private readonly spec: AnnouncementChannel,
    private readonly publisher: Redis,
    /** A connection of its own: once subscribed it can run nothing else. */
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.channel = withKeyPrefix(publisher, spec.name);
  }

  async publish(value: string): Promise<number> {
    return this.publisher.publish(this.channel, JSON.stringify({ [this.spec.field]: value }));
  }

  /** Subscribes and calls the listener for every announcement; resolves once the subscription is in place. */
  async listen(listener: AnnouncementListener): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let value: unknown;
      try {
        value = (JSON.parse(message) as Record<string, unknown>)[this.spec.field];
      } catch {
        value = undefined;
      }
      if (typeof value !== 'string' || !this.spec.pattern.test(value)) {
        this.logger.warn({ channel }, this.spec.unreadableLog);
        return;
      }
      listener.onAnnounced(value);
    });
    // ioredis resubscribes by itself after a reconnect, and emits 'ready' when it has.
    this.subscriber.on('ready', () => {
      if (!this.subscribedOnce) return;
      this.logger.warn(this.spec.resubscribedLog);
      listener.onResubscribed();
    });
    // Not before the connection is ready: a subscription made while it connects is lost (client.ts whenReady).
    await whenReady(this.subscriber);
    await this.subscriber.subscribe(this.channel);
    this.subscribedOnce = true;
  }

  async close(): Promise<void> {
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}

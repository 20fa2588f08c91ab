import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { withKeyPrefix } from './client';

/** The pub/sub channel every process that checks API keys listens on (under REDIS_KEY_PREFIX). */
export const API_KEY_REVOCATIONS_CHANNEL = 'api-keys:revoked';

const KEY_ID = /^[\w-]{1,64}$/;

export interface ApiKeyRevocationListener {
  /** A key was revoked: drop it from caches, close its sessions. */
  onRevoked(keyId: string): void;
  /**
   * The subscription was (re)established after being down: a revocation may have been missed, so forget every
   * cached answer (and recheck live sessions).
   */
  onResubscribed(): void;
}

/**
 * Revocation within a second on every process: the revoking process writes the store first, then publishes the key
 * id here; every API and market data process drops the key from its cache and closes its WebSocket sessions. Pub/sub
 * delivers to whoever is subscribed at that moment only, so a process whose subscription was down clears its whole
 * cache when it is back (onResubscribed); a process that starts later reads the store, which already has it.
 */
export class RedisApiKeyRevocations {
  private readonly channel: string;
  private subscribedOnce = false;

  constructor(
    private readonly publisher: Redis,
    /** A connection of its own: once subscribed it can run nothing else. */
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.channel = withKeyPrefix(publisher, API_KEY_REVOCATIONS_CHANNEL);
  }

  async publish(keyId: string): Promise<number> {
    return this.publisher.publish(this.channel, JSON.stringify({ keyId }));
  }

  /** Subscribes and calls the listener for every revocation; resolves once the subscription is in place. */
  async listen(listener: ApiKeyRevocationListener): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let keyId: unknown;
      try {
        keyId = (JSON.parse(message) as { keyId?: unknown }).keyId;
      } catch {
        keyId = undefined;
      }
      if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
        this.logger.warn({ channel }, 'api_keys.revocation_unreadable');
        return;
      }
      this.logger.info({ keyId }, 'api_keys.revoked_elsewhere');
      listener.onRevoked(keyId);
    });
    // ioredis resubscribes by itself after a reconnect, and emits 'ready' when it has.
    this.subscriber.on('ready', () => {
      if (!this.subscribedOnce) return;
      this.logger.warn('api_keys.revocations_resubscribed');
      listener.onResubscribed();
    });
    await this.subscriber.subscribe(this.channel);
    this.subscribedOnce = true;
  }

  async close(): Promise<void> {
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}

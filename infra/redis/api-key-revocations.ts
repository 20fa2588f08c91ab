import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { RedisAnnouncements } from './announcements';

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
  private readonly announcements: RedisAnnouncements;

  constructor(
    publisher: Redis,
    /** A connection of its own: once subscribed it can run nothing else. */
    subscriber: Redis,
    private readonly logger: Logger,
  ) {
    this.announcements = new RedisAnnouncements(
      { name: API_KEY_REVOCATIONS_CHANNEL, field: 'keyId', pattern: KEY_ID, unreadableLog: 'api_keys.revocation_unreadable', resubscribedLog: 'api_keys.revocations_resubscribed' },
      publisher,
      subscriber,
      logger,
    );
  }

  publish(keyId: string): Promise<number> {
    return this.announcements.publish(keyId);
  }

  /** Subscribes and calls the listener for every revocation; resolves once the subscription is in place. */
  listen(listener: ApiKeyRevocationListener): Promise<void> {
    return this.announcements.listen({
      onAnnounced: (keyId) => {
        this.logger.info({ keyId }, 'api_keys.revoked_elsewhere');
        listener.onRevoked(keyId);
      },
      onResubscribed: () => listener.onResubscribed(),
    });
  }

  close(): Promise<void> {
    return this.announcements.close();
  }
}

import { isWellFormedApiKey, type ApiKeyPrincipal } from '../domain/api-key';
import type { ApiKeyStore } from '../infra/mongo/api-key-store';

export interface ApiKeyCacheOptions {
  /** How long a known key's answer is kept (revocation does not wait for it: see revoke()). */
  ttlMs: number;
  /** How long an unknown key is remembered, so a flood of bad keys does not reach the store. */
  negativeTtlMs: number;
  /** At most this many known keys; the oldest go first. */
  maxEntries: number;
  /** At most this many unknown keys; expired ones are swept on every lookup, the oldest go first when full. */
  maxNegativeEntries: number;
  now?: () => number;
}

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/**
 * Every request authenticates, and a store round trip per request was the API's largest cost, so answers are kept
 * in memory. What keeps that safe:
 * - a malformed or over-long key (domain/api-key.ts) is refused before any lookup and never cached;
 * - unknown keys live in their own map, bounded (maxNegativeEntries) and swept: every entry has the same lifetime
 *   and the map keeps insertion order, so the expired ones are always at its front;
 * - revoke(keyId) (the Redis invalidation, infra/redis/api-key-revocations.ts) drops the key at once, and a lookup
 *   that was running while a revocation arrived is asked again rather than cached: the store has the revocation by
 *   the time it is announced;
 * - clear() forgets everything (after the invalidation channel was down: a revocation may have been missed).
 */
export class CachedApiKeyStore implements Pick<ApiKeyStore, 'findKey' | 'findAccountId'> {
  private readonly known = new Map<string, Entry<ApiKeyPrincipal>>();
  private readonly unknown = new Map<string, Entry<null>>();
  /** Bumped by every revoke and clear: a lookup that started under another generation is not trusted. */
  private generation = 0;
  private lookups = 0;

  constructor(
    private readonly store: Pick<ApiKeyStore, 'findKey'>,
    private readonly options: ApiKeyCacheOptions,
  ) {}

  /** Keys in memory (known, unknown) and store lookups so far: for tests and metrics. */
  stats(): { known: number; unknown: number; lookups: number } {
    return { known: this.known.size, unknown: this.unknown.size, lookups: this.lookups };
  }

  /** Whether findKey answers this key from memory now, without the store (a key it knows, or remembers as unknown). */
  answersFromMemory(rawKey: string): boolean {
    const now = this.now();
    return ((this.known.get(rawKey) ?? this.unknown.get(rawKey))?.expiresAt ?? now) > now;
  }

  async findAccountId(rawKey: string): Promise<string | null> {
    return (await this.findKey(rawKey))?.accountId ?? null;
  }

  async findKey(rawKey: string): Promise<ApiKeyPrincipal | null> {
    if (!isWellFormedApiKey(rawKey)) return null;
    const now = this.now();
    this.sweepUnknown(now);
    const hit = this.known.get(rawKey);
    if (hit !== undefined && hit.expiresAt > now) return hit.value;
    if (hit !== undefined) this.known.delete(rawKey);
    if (this.unknown.get(rawKey) !== undefined) return null;

    // Asked again if a revocation (or a clear) arrived meanwhile: its store write may have come after our read.
    // (Three tries: under a storm of revocations the last answer is used, but not cached.)
    let principal: ApiKeyPrincipal | null = null;
    let settled = false;
    for (let attempt = 0; attempt < 3 && !settled; attempt += 1) {
      const startedAt = this.generation;
      this.lookups += 1;
      principal = await this.store.findKey(rawKey);
      settled = startedAt === this.generation;
    }
    if (!settled) return principal;

    const at = this.now();
    if (principal === null) {
      this.remember(this.unknown, rawKey, { value: null, expiresAt: at + this.options.negativeTtlMs }, this.options.maxNegativeEntries);
    } else {
      this.remember(this.known, rawKey, { value: principal, expiresAt: at + this.options.ttlMs }, this.options.maxEntries);
    }
    return principal;
  }

  /** Drops every cached answer for the key with this id (its raw key is not known here, only cached answers are). */
  revoke(keyId: string): void {
    this.generation += 1;
    for (const [rawKey, entry] of this.known) if (entry.value.keyId === keyId) this.known.delete(rawKey);
  }

  clear(): void {
    this.generation += 1;
    this.known.clear();
    this.unknown.clear();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private sweepUnknown(now: number): void {
    for (const [rawKey, entry] of this.unknown) {
      if (entry.expiresAt > now) return;
      this.unknown.delete(rawKey);
    }
  }

  private remember<T>(map: Map<string, Entry<T>>, rawKey: string, entry: Entry<T>, max: number): void {
    map.delete(rawKey);
    while (map.size >= max) {
      const oldest = map.keys().next();
      if (oldest.done === true) break;
      map.delete(oldest.value);
    }
    if (max > 0) map.set(rawKey, entry);
  }
}

import type { ApiKeyStore } from '../infra/mongo/api-key-store';

/**
 * Every request authenticates, and a store round trip per request was the API's largest cost. Answers
 * are kept for `ttlMs` (a revoked key keeps working at most that long); unknown keys are remembered for
 * a shorter while so a flood of bad keys does not reach the store either. Bounded: the oldest entries go first.
 */
export class CachedApiKeyStore implements Pick<ApiKeyStore, 'findAccountId'> {
  private readonly entries = new Map<string, { accountId: string | null; expiresAt: number }>();

  constructor(
    private readonly store: Pick<ApiKeyStore, 'findAccountId'>,
    private readonly options: { ttlMs: number; negativeTtlMs: number; maxEntries: number; now?: () => number },
  ) {}

  async findAccountId(rawKey: string): Promise<string | null> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.entries.get(rawKey);
    if (cached && cached.expiresAt > now) return cached.accountId;
    const accountId = await this.store.findAccountId(rawKey);
    this.entries.delete(rawKey);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(rawKey, { accountId, expiresAt: now + (accountId === null ? this.options.negativeTtlMs : this.options.ttlMs) });
    return accountId;
  }
}

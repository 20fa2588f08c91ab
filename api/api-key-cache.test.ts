import type { ApiKeyPrincipal } from '../domain/api-key';
import { CachedApiKeyStore } from './api-key-cache';

const principal = (accountId: string): ApiKeyPrincipal => ({ keyId: `ak_${accountId}`, accountId, role: 'trader' });

describe('CachedApiKeyStore', () => {
  function setup(limits: { maxEntries?: number; maxNegativeEntries?: number } = {}) {
    const lookups: string[] = [];
    const known: Record<string, ApiKeyPrincipal> = { 'key-aaaa': principal('acct-a'), 'key-bbbb': principal('acct-b'), 'key-cccc': principal('acct-c') };
    let now = 0;
    let beforeAnswer: (() => void) | undefined;
    const cache = new CachedApiKeyStore(
      {
        findKey: async (key) => {
          lookups.push(key);
          const answer = known[key] ?? null;
          beforeAnswer?.();
          return answer;
        },
      },
      { ttlMs: 1_000, negativeTtlMs: 100, maxEntries: limits.maxEntries ?? 2, maxNegativeEntries: limits.maxNegativeEntries ?? 1_000, now: () => now },
    );
    return {
      cache,
      lookups,
      known,
      advance: (ms: number) => (now += ms),
      onLookup: (f: (() => void) | undefined) => (beforeAnswer = f),
    };
  }

  it('says which keys it answers from memory: known and unknown ones it remembers, until their time is up', async () => {
    const { cache, lookups, advance } = setup();
    expect(cache.answersFromMemory('key-aaaa')).toBe(false);
    await cache.findKey('key-aaaa');
    await cache.findKey('key-zzzz');
    expect([cache.answersFromMemory('key-aaaa'), cache.answersFromMemory('key-zzzz'), cache.answersFromMemory('key-bbbb')]).toEqual([true, true, false]);
    advance(101);
    expect([cache.answersFromMemory('key-aaaa'), cache.answersFromMemory('key-zzzz')]).toEqual([true, false]);
    advance(900);
    expect(cache.answersFromMemory('key-aaaa')).toBe(false);
    expect(lookups).toEqual(['key-aaaa', 'key-zzzz']);
  });

  it('answers a repeated key from memory until its time is up', async () => {
    const { cache, lookups, advance } = setup();
    expect(await cache.findAccountId('key-aaaa')).toBe('acct-a');
    expect(await cache.findKey('key-aaaa')).toEqual(principal('acct-a'));
    expect(lookups).toEqual(['key-aaaa']);
    advance(1_001);
    expect(await cache.findAccountId('key-aaaa')).toBe('acct-a');
    expect(lookups).toEqual(['key-aaaa', 'key-aaaa']);
  });

  it('remembers unknown keys for the shorter time, then sees a key added since', async () => {
    const { cache, lookups, known, advance } = setup();
    expect(await cache.findAccountId('key-zzzz')).toBeNull();
    expect(await cache.findAccountId('key-zzzz')).toBeNull();
    expect(lookups).toEqual(['key-zzzz']);
    known['key-zzzz'] = principal('acct-z');
    advance(101);
    expect(await cache.findAccountId('key-zzzz')).toBe('acct-z');
  });

  it('keeps at most maxEntries known keys, dropping the oldest', async () => {
    const { cache, lookups } = setup();
    await cache.findAccountId('key-aaaa');
    await cache.findAccountId('key-bbbb');
    await cache.findAccountId('key-cccc');
    await cache.findAccountId('key-aaaa');
    expect(lookups).toEqual(['key-aaaa', 'key-bbbb', 'key-cccc', 'key-aaaa']);
    await cache.findAccountId('key-cccc');
    expect(lookups).toHaveLength(4);
  });

  it('refuses malformed and over-long keys without a lookup and without a cache entry', async () => {
    const { cache, lookups } = setup();
    const refused = ['', 'short', 'has spaces in it', 'semi;colon-key', 'ünïcödé-key', 'x'.repeat(129), 'k'.repeat(16 * 1024), 'line\nbreak-key'];
    for (const key of refused) expect(await cache.findKey(key)).toBeNull();
    expect(lookups).toEqual([]);
    expect(cache.stats()).toEqual({ known: 0, unknown: 0, lookups: 0 });
    // The longest accepted key is looked up.
    expect(await cache.findKey('x'.repeat(128))).toBeNull();
    expect(lookups).toEqual(['x'.repeat(128)]);
  });

  it('bounds the unknown keys: a flood of distinct bad keys never holds more than maxNegativeEntries', async () => {
    const { cache } = setup({ maxNegativeEntries: 50 });
    for (let i = 0; i < 10_000; i += 1) await cache.findKey(`unknown-key-${i}`);
    expect(cache.stats().unknown).toBe(50);
  });

  it('sweeps expired unknown keys on later lookups, not only when full', async () => {
    const { cache, advance } = setup({ maxNegativeEntries: 1_000 });
    for (let i = 0; i < 20; i += 1) await cache.findKey(`unknown-key-${i}`);
    expect(cache.stats().unknown).toBe(20);
    advance(101);
    await cache.findKey('key-aaaa');
    expect(cache.stats()).toMatchObject({ unknown: 0, known: 1 });
  });

  it('revoke drops the key at once, and a lookup racing the revocation is asked again instead of cached', async () => {
    const { cache, lookups, known, onLookup } = setup();
    expect(await cache.findAccountId('key-aaaa')).toBe('acct-a');
    delete known['key-aaaa'];
    cache.revoke('ak_acct-a');
    expect(await cache.findAccountId('key-aaaa')).toBeNull();
    expect(lookups).toEqual(['key-aaaa', 'key-aaaa']);

    // The store answers "valid" to a read made before the revocation's write; the revocation arrives meanwhile.
    onLookup(() => {
      onLookup(undefined);
      delete known['key-bbbb'];
      cache.revoke('ak_acct-b');
    });
    expect(await cache.findAccountId('key-bbbb')).toBeNull();
    expect(lookups.filter((k) => k === 'key-bbbb')).toHaveLength(2);
  });

  it('clear forgets known and unknown keys', async () => {
    const { cache, lookups } = setup();
    await cache.findKey('key-aaaa');
    await cache.findKey('key-nobody');
    cache.clear();
    await cache.findKey('key-aaaa');
    await cache.findKey('key-nobody');
    expect(lookups).toEqual(['key-aaaa', 'key-nobody', 'key-aaaa', 'key-nobody']);
  });
});

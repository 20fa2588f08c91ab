import { CachedApiKeyStore } from './api-key-cache';

describe('CachedApiKeyStore', () => {
  function setup() {
    const lookups: string[] = [];
    const known: Record<string, string> = { 'key-a': 'acct-a', 'key-b': 'acct-b', 'key-c': 'acct-c' };
    let now = 0;
    const cache = new CachedApiKeyStore(
      {
        findAccountId: async (key) => {
          lookups.push(key);
          return known[key] ?? null;
        },
      },
      { ttlMs: 1_000, negativeTtlMs: 100, maxEntries: 2, now: () => now },
    );
    return { cache, lookups, known, advance: (ms: number) => (now += ms) };
  }

  it('answers a repeated key from memory until its time is up', async () => {
    const { cache, lookups, advance } = setup();
    expect(await cache.findAccountId('key-a')).toBe('acct-a');
    expect(await cache.findAccountId('key-a')).toBe('acct-a');
    expect(lookups).toEqual(['key-a']);
    advance(1_001);
    expect(await cache.findAccountId('key-a')).toBe('acct-a');
    expect(lookups).toEqual(['key-a', 'key-a']);
  });

  it('remembers unknown keys for the shorter time, then sees a key added since', async () => {
    const { cache, lookups, known, advance } = setup();
    expect(await cache.findAccountId('key-z')).toBeNull();
    expect(await cache.findAccountId('key-z')).toBeNull();
    expect(lookups).toEqual(['key-z']);
    known['key-z'] = 'acct-z';
    advance(101);
    expect(await cache.findAccountId('key-z')).toBe('acct-z');
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const { cache, lookups } = setup();
    await cache.findAccountId('key-a');
    await cache.findAccountId('key-b');
    await cache.findAccountId('key-c');
    await cache.findAccountId('key-a');
    expect(lookups).toEqual(['key-a', 'key-b', 'key-c', 'key-a']);
    await cache.findAccountId('key-c');
    expect(lookups).toHaveLength(4);
  });
});

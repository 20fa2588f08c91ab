/**
 * API keys as the system sees them before any store is asked: their shape, their roles and the prefix of the keys
 * it issues. Pure (no randomness, no hashing): generation and hashing are infra's (infra/mongo/api-key-store.ts).
 */

/** The longest key accepted at all; anything longer is refused before a lookup (and never cached). */
export const MAX_API_KEY_LENGTH = 128;
/**
 * Every key the system issued or seeded: letters, digits, `_` and `-`, 8 to 128 of them. Issued keys are
 * `oms_live_` / `oms_test_` + 43 characters of base64url (256 random bits); the development demo keys
 * (`demo-alice-key`, ...) and test keys fit too.
 */
export const API_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

export function isWellFormedApiKey(key: string): boolean {
  return key.length <= MAX_API_KEY_LENGTH && API_KEY_PATTERN.test(key);
}

export const API_KEY_ROLES = ['trader', 'admin'] as const;
/** `trader`: the account's own orders, fills, balances and positions. `admin`: also the admin routes (/api/admin/*). */
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** Who a key authenticates: the key's public id (never the key), its account and its role. */
export interface ApiKeyPrincipal {
  readonly keyId: string;
  readonly accountId: string;
  readonly role: ApiKeyRole;
}

/** The prefix of issued keys: recognisable in logs, secret scanners and support tickets, and telling production from the rest. */
export function issuedApiKeyPrefix(env: 'development' | 'test' | 'production'): 'oms_live_' | 'oms_test_' {
  return env === 'production' ? 'oms_live_' : 'oms_test_';
}

/** Public key ids (`ak_` + 24 hex digits): what admins list, revoke and audit; knowing one grants nothing. */
export const API_KEY_ID_PATTERN = /^ak_[0-9a-f]{24}$/;

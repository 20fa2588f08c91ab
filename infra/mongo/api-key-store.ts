import type { Collection, Db } from 'mongodb';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { isWellFormedApiKey, type ApiKeyPrincipal, type ApiKeyRole } from '../../domain/api-key';
import { COLLECTIONS } from './client';
import { isDuplicateKey } from './write-errors';

export interface IssuedApiKey extends ApiKeyPrincipal {
  /** The key itself: shown once, never stored. */
  readonly apiKey: string;
  readonly label: string;
  readonly createdAt: string;
}

export interface RevokedApiKey extends ApiKeyPrincipal {
  readonly revokedAt: string;
  /** False when the key had been revoked before (the first revocation's time is kept). */
  readonly revokedNow: boolean;
}

export interface ApiKeyStore {
  /** Who a raw API key authenticates, or null for an unknown, revoked or malformed key. */
  findKey(rawKey: string): Promise<ApiKeyPrincipal | null>;
  /** The account a raw API key belongs to, or null (findKey's account). */
  findAccountId(rawKey: string): Promise<string | null>;
  /**
   * Registers a key chosen by the caller (the demo seed, tests). Idempotent: the same key for the same account again
   * changes nothing; for another account it throws.
   */
  addKey(input: { rawKey: string; accountId: string; label: string; role?: ApiKeyRole; demo?: boolean }): Promise<{ added: boolean; keyId: string }>;
  /** A new random key for the account (`prefix` + 256 random bits, base64url). */
  issueKey(input: { accountId: string; label: string; role: ApiKeyRole; prefix: string; keyId?: string }): Promise<IssuedApiKey>;
  /** Marks the key revoked (kept for the record); null when no key has that id. */
  revokeKey(keyId: string): Promise<RevokedApiKey | null>;
}

/**
 * Only a keyed hash of the key is stored: HMAC-SHA-256 under a server-side pepper (API_KEY_PEPPER), so a leaked
 * collection or backup neither gives usable keys nor lets anyone test guesses (the demo keys are public words)
 * without the pepper, which lives in the deployment's secrets, not in the database.
 * Documents written before the pepper (plain SHA-256, no `scheme`) and under a previous pepper still authenticate,
 * and are re-hashed under the current pepper on their first use (see findKey).
 */
interface ApiKeyDoc {
  /** The key's hash under the current scheme: lookups go by _id. */
  _id: string;
  /** Public id; absent on documents written before key ids existed (given one when re-hashed). */
  keyId?: string;
  accountId: string;
  /** Absent on old documents: trader. */
  role?: ApiKeyRole;
  label: string;
  createdAt: string;
  /** 'hmac-sha256' for peppered hashes; absent for the old plain SHA-256. */
  scheme?: 'hmac-sha256';
  /** A development demo key (public): a production process refuses to start while one exists. */
  demo?: boolean;
  revokedAt?: string;
}

const HMAC_SCHEME = 'hmac-sha256' as const;

/** The keyed hash stored for a key. */
export function hashApiKey(rawKey: string, pepper: string): string {
  return createHmac('sha256', pepper).update(rawKey, 'utf8').digest('hex');
}

/** How keys were stored before the pepper: plain SHA-256. Read only, for the migration. */
export function legacyHashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey, 'utf8').digest('hex');
}

export function newApiKeyId(): string {
  return `ak_${randomBytes(12).toString('hex')}`;
}

export interface ApiKeyHashing {
  /** API_KEY_PEPPER. */
  readonly pepper: string;
  /** API_KEY_PEPPER_PREVIOUS during a rotation: keys hashed under it still work and move to the current one. */
  readonly previousPepper?: string | undefined;
  /**
   * API_KEY_ACCEPT_SHA256: whether documents of the old plain SHA-256 still authenticate (and are re-hashed). Off in
   * production by default: whoever can write to the collection could otherwise add a key without the pepper.
   * Default here: true (the store's own tests and development).
   */
  readonly acceptLegacySha256?: boolean;
}

export class MongoApiKeyStore implements ApiKeyStore {
  private readonly keys: Collection<ApiKeyDoc>;
  private readonly clock: () => Date;

  constructor(
    db: Db,
    private readonly hashing: ApiKeyHashing,
    options: { clock?: () => Date } = {},
  ) {
    if (hashing.pepper === '') throw new Error('an API key pepper must not be empty');
    this.keys = db.collection<ApiKeyDoc>(COLLECTIONS.apiKeys);
    this.clock = options.clock ?? (() => new Date());
  }

  async findAccountId(rawKey: string): Promise<string | null> {
    return (await this.findKey(rawKey))?.accountId ?? null;
  }

  async findKey(rawKey: string): Promise<ApiKeyPrincipal | null> {
    if (!isWellFormedApiKey(rawKey)) return null;
    const current = hashApiKey(rawKey, this.hashing.pepper);
    const doc = await this.keys.findOne({ _id: current });
    if (doc !== null) return doc.scheme === HMAC_SCHEME ? this.principal(doc) : null;
    // Not under the current pepper: an older scheme's document is moved to it on this first use.
    for (const older of this.olderHashes(rawKey, this.hashing.acceptLegacySha256 ?? true)) {
      const old = await this.keys.findOne({ _id: older.hash });
      if (old === null || (old.scheme ?? 'sha256') !== older.scheme) continue;
      return this.principal(await this.rehash(old, current));
    }
    return null;
  }

  async addKey(input: { rawKey: string; accountId: string; label: string; role?: ApiKeyRole; demo?: boolean }): Promise<{ added: boolean; keyId: string }> {
    if (!isWellFormedApiKey(input.rawKey)) throw new Error('an API key must be 8-128 characters of letters, digits, _ and -');
    // A key stored the old way is moved first, so the same key never has two documents.
    await this.findKey(input.rawKey);
    const _id = hashApiKey(input.rawKey, this.hashing.pepper);
    const keyId = newApiKeyId();
    try {
      await this.keys.insertOne({
        _id,
        keyId,
        accountId: input.accountId,
        role: input.role ?? 'trader',
        label: input.label,
        createdAt: this.clock().toISOString(),
        scheme: HMAC_SCHEME,
        ...(input.demo === true ? { demo: true } : {}),
      });
      return { added: true, keyId };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // Same key again is a repeat; the same key for another account is a mistake that must not pass silently.
    const existing = await this.keys.findOne({ _id });
    if (existing === null || existing.accountId !== input.accountId) {
      throw new Error(`API key "${input.label}" is already registered to another account`);
    }
    // A demo key stored before demo keys were marked (and re-hashed since) gets its mark.
    if (input.demo === true && existing.demo !== true) await this.keys.updateOne({ _id }, { $set: { demo: true } });
    return { added: false, keyId: existing.keyId ?? '' };
  }

  async issueKey(input: { accountId: string; label: string; role: ApiKeyRole; prefix: string; keyId?: string }): Promise<IssuedApiKey> {
    // 256 bits from the OS's CSPRNG; base64url keeps the key to the accepted alphabet.
    const apiKey = `${input.prefix}${randomBytes(32).toString('base64url')}`;
    if (!isWellFormedApiKey(apiKey)) throw new Error(`the key prefix ${input.prefix} makes keys the API would refuse`);
    const keyId = input.keyId ?? newApiKeyId();
    const createdAt = this.clock().toISOString();
    await this.keys.insertOne({
      _id: hashApiKey(apiKey, this.hashing.pepper),
      keyId,
      accountId: input.accountId,
      role: input.role,
      label: input.label,
      createdAt,
      scheme: HMAC_SCHEME,
    });
    return { keyId, apiKey, accountId: input.accountId, role: input.role, label: input.label, createdAt };
  }

  async revokeKey(keyId: string): Promise<RevokedApiKey | null> {
    const revokedAt = this.clock().toISOString();
    const updated = await this.keys.findOneAndUpdate({ keyId, revokedAt: { $exists: false } }, { $set: { revokedAt } }, { returnDocument: 'after' });
    if (updated !== null) return { ...this.principalOf(updated), revokedAt, revokedNow: true };
    const earlier = await this.keys.findOne({ keyId });
    if (earlier === null || earlier.revokedAt === undefined) return null;
    return { ...this.principalOf(earlier), revokedAt: earlier.revokedAt, revokedNow: false };
  }

  /**
   * How many documents stand for a development demo key: marked `demo`, or the hash of a demo key under any scheme
   * this store reads (or under the development pepper they were seeded with). A production process refuses to start
   * while there is one.
   */
  async countDemoKeys(demoKeys: readonly string[], developmentPepper: string): Promise<number> {
    const hashes = demoKeys.flatMap((key) => [
      hashApiKey(key, this.hashing.pepper),
      hashApiKey(key, developmentPepper),
      ...this.olderHashes(key, true).map((older) => older.hash),
    ]);
    return this.keys.countDocuments({ $or: [{ demo: true }, { _id: { $in: hashes } }] });
  }

  private olderHashes(rawKey: string, withLegacy: boolean): Array<{ hash: string; scheme: 'hmac-sha256' | 'sha256' }> {
    const previous = this.hashing.previousPepper;
    return [
      ...(previous !== undefined && previous !== '' && previous !== this.hashing.pepper ? [{ hash: hashApiKey(rawKey, previous), scheme: HMAC_SCHEME }] : []),
      ...(withLegacy ? [{ hash: legacyHashApiKey(rawKey), scheme: 'sha256' as const }] : []),
    ];
  }

  /**
   * Moves a document to the current hash: insert the new one, then delete the old. A racing request doing the same
   * finds the new document already there (duplicate key), which is the same outcome. A revoked key stays revoked.
   */
  private async rehash(old: ApiKeyDoc, current: string): Promise<ApiKeyDoc> {
    const moved: ApiKeyDoc = { ...old, _id: current, keyId: old.keyId ?? newApiKeyId(), scheme: HMAC_SCHEME };
    try {
      await this.keys.insertOne(moved);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    await this.keys.deleteOne({ _id: old._id });
    return (await this.keys.findOne({ _id: current })) ?? moved;
  }

  private principal(doc: ApiKeyDoc): ApiKeyPrincipal | null {
    return doc.revokedAt === undefined ? this.principalOf(doc) : null;
  }

  private principalOf(doc: ApiKeyDoc): ApiKeyPrincipal {
    return { keyId: doc.keyId ?? '', accountId: doc.accountId, role: doc.role ?? 'trader' };
  }
}

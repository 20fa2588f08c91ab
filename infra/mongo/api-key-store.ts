import { MongoServerError, type Collection, type Db } from 'mongodb';
import { createHash } from 'node:crypto';
import { COLLECTIONS } from './client';

export interface ApiKeyStore {
  /** The account a raw API key belongs to, or null for an unknown key. */
  findAccountId(rawKey: string): Promise<string | null>;
  /** Idempotent: adding the same key for the same account again changes nothing. */
  addKey(input: { rawKey: string; accountId: string; label: string }): Promise<{ added: boolean }>;
}

/** Only the key's hash is stored, so a leaked collection (or backup) does not leak usable keys. */
interface ApiKeyDoc {
  _id: string;
  accountId: string;
  label: string;
  createdAt: string;
}

const DUPLICATE_KEY = 11000;

// API keys are long random secrets, not passwords: a fast unsalted hash is enough and lets lookup be by _id.
export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey, 'utf8').digest('hex');
}

export class MongoApiKeyStore implements ApiKeyStore {
  private readonly keys: Collection<ApiKeyDoc>;
  private readonly clock: () => Date;

  constructor(db: Db, options: { clock?: () => Date } = {}) {
    this.keys = db.collection<ApiKeyDoc>(COLLECTIONS.apiKeys);
    this.clock = options.clock ?? (() => new Date());
  }

  async findAccountId(rawKey: string): Promise<string | null> {
    if (rawKey === '') return null;
    const doc = await this.keys.findOne({ _id: hashApiKey(rawKey) }, { projection: { accountId: 1 } });
    return doc?.accountId ?? null;
  }

  async addKey(input: { rawKey: string; accountId: string; label: string }): Promise<{ added: boolean }> {
    if (input.rawKey === '') throw new Error('an API key must not be empty');
    const _id = hashApiKey(input.rawKey);
    try {
      await this.keys.insertOne({ _id, accountId: input.accountId, label: input.label, createdAt: this.clock().toISOString() });
      return { added: true };
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    // Same key again is a repeat; the same key for another account is a mistake that must not pass silently.
    const existing = await this.keys.findOne({ _id });
    if (existing !== null && existing.accountId !== input.accountId) {
      throw new Error(`API key "${input.label}" is already registered to another account`);
    }
    return { added: false };
  }
}

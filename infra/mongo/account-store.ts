import { MongoServerError, type Collection, type Db, type UpdateFilter } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDecimal, parseDecimal, type Scaled } from '../../domain/decimal';
import { DomainError } from '../../domain/errors';
import { COLLECTIONS } from './client';

export interface AssetBalance {
  asset: string;
  total: string;
  available: string;
  held: string;
}

export type PlaceHoldResult =
  | { ok: true; alreadyHeld: boolean }
  // domain/errors.ts has no ACCOUNT_NOT_FOUND code; NOT_FOUND is the stable code for a missing account.
  | { ok: false; code: 'INSUFFICIENT_BALANCE' | 'NOT_FOUND'; available: string; required: string };

export type ReleaseHoldResult = { released: false } | { released: true; asset: string; amount: string };

export interface AccountStore {
  /** Atomic and idempotent per orderId: an existing hold for the order is reported, never doubled. */
  placeHold(input: { accountId: string; orderId: string; asset: string; amount: Scaled }): Promise<PlaceHoldResult>;
  /** Idempotent: without a hold for the order nothing changes. */
  releaseHold(input: { accountId: string; orderId: string }): Promise<ReleaseHoldResult>;
  /** Per asset, sorted by asset; null when the account does not exist. */
  getBalances(accountId: string): Promise<AssetBalance[] | null>;
  /** Inserts the account when absent; an existing account is left untouched. */
  createAccount(input: { accountId: string; name: string; balances: Record<string, Scaled> }): Promise<{ created: boolean }>;
}

/** Decimal strings; available = total − held is derived, never stored, so the two can never disagree. */
interface AccountDoc {
  _id: string;
  name: string;
  balances: Record<string, { total: string; held: string }>;
  holds: Record<string, { asset: string; amount: string }>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Too many lost compare-and-set rounds in a row; transient, so the caller (an activity) retries later. */
export class AccountContentionError extends Error {
  override name = 'AccountContentionError';
}

const MAX_ATTEMPTS = 100;
const DUPLICATE_KEY = 11000;
// Asset and order ids become field names inside the document: no '.', no leading '$'.
const FIELD_KEY = /^[\w:-]{1,128}$/;

type Decision<R> = { result: R; set?: Record<string, unknown>; unset?: string[] };

export class MongoAccountStore implements AccountStore {
  private readonly accounts: Collection<AccountDoc>;
  private readonly clock: () => Date;

  constructor(db: Db, options: { clock?: () => Date } = {}) {
    this.accounts = db.collection<AccountDoc>(COLLECTIONS.accounts);
    this.clock = options.clock ?? (() => new Date());
  }

  async placeHold(input: { accountId: string; orderId: string; asset: string; amount: Scaled }): Promise<PlaceHoldResult> {
    const { orderId, asset, amount } = input;
    checkFieldKey('orderId', orderId);
    checkFieldKey('asset', asset);
    if (amount <= 0n) throw new DomainError('VALIDATION_FAILED', 'a hold amount must be positive', { amount: formatDecimal(amount) });
    const required = formatDecimal(amount);

    return this.compareAndSet<PlaceHoldResult>(input.accountId, (doc) => {
      if (doc === null) return { result: { ok: false, code: 'NOT_FOUND', available: '0', required } };
      if (Object.hasOwn(doc.holds, orderId)) return { result: { ok: true, alreadyHeld: true } };
      const balance = readBalance(doc, asset);
      const available = balance.total - balance.held;
      if (available < amount) {
        return { result: { ok: false, code: 'INSUFFICIENT_BALANCE', available: formatDecimal(available), required } };
      }
      return {
        result: { ok: true, alreadyHeld: false },
        set: {
          [`balances.${asset}`]: { total: formatDecimal(balance.total), held: formatDecimal(balance.held + amount) },
          [`holds.${orderId}`]: { asset, amount: required },
        },
      };
    });
  }

  async releaseHold(input: { accountId: string; orderId: string }): Promise<ReleaseHoldResult> {
    const { orderId } = input;
    checkFieldKey('orderId', orderId);

    return this.compareAndSet<ReleaseHoldResult>(input.accountId, (doc) => {
      const hold = doc !== null && Object.hasOwn(doc.holds, orderId) ? doc.holds[orderId] : undefined;
      if (doc === null || hold === undefined) return { result: { released: false } };
      const balance = readBalance(doc, hold.asset);
      const held = balance.held - parseDecimal(hold.amount);
      // Held is the sum of the holds; going below zero means the document was corrupted, not a business case.
      if (held < 0n) throw new Error(`account ${doc._id}: releasing hold ${orderId} would make ${hold.asset} held negative`);
      return {
        result: { released: true, asset: hold.asset, amount: hold.amount },
        set: { [`balances.${hold.asset}.held`]: formatDecimal(held) },
        unset: [`holds.${orderId}`],
      };
    });
  }

  async getBalances(accountId: string): Promise<AssetBalance[] | null> {
    const doc = await this.accounts.findOne({ _id: accountId });
    if (doc === null) return null;
    return Object.keys(doc.balances)
      .sort()
      .map((asset) => {
        const { total, held } = readBalance(doc, asset);
        return { asset, total: formatDecimal(total), available: formatDecimal(total - held), held: formatDecimal(held) };
      });
  }

  async createAccount(input: { accountId: string; name: string; balances: Record<string, Scaled> }): Promise<{ created: boolean }> {
    const balances: AccountDoc['balances'] = {};
    for (const [asset, total] of Object.entries(input.balances)) {
      checkFieldKey('asset', asset);
      if (total < 0n) throw new DomainError('VALIDATION_FAILED', `balance of ${asset} must not be negative`);
      balances[asset] = { total: formatDecimal(total), held: '0' };
    }
    const now = this.clock().toISOString();
    const doc: AccountDoc = { _id: input.accountId, name: input.name, balances, holds: {}, version: 1, createdAt: now, updatedAt: now };
    try {
      await this.accounts.insertOne(doc);
      return { created: true };
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return { created: false };
      throw error;
    }
  }

  /**
   * The store has no numeric comparison on decimal strings and no transactions, so every change is
   * read → decide with bigints → write only if the version is still the one read. A lost race re-reads
   * and decides again; decide must therefore be pure.
   */
  private async compareAndSet<R>(accountId: string, decide: (doc: AccountDoc | null) => Decision<R>): Promise<R> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const doc = await this.accounts.findOne({ _id: accountId });
      const decision = decide(doc);
      if (doc === null || decision.set === undefined) return decision.result;
      const update: UpdateFilter<AccountDoc> = { $set: { ...decision.set, updatedAt: this.clock().toISOString() }, $inc: { version: 1 } };
      if (decision.unset !== undefined) update.$unset = Object.fromEntries(decision.unset.map((path) => [path, '']));
      const written = await this.accounts.updateOne({ _id: accountId, version: doc.version }, update);
      if (written.matchedCount === 1) return decision.result;
      // Jittered and growing a little, so writers that collided do not collide again in lockstep.
      await sleep(Math.random() * Math.min(50, 2 * attempt));
    }
    throw new AccountContentionError(`account ${accountId}: no update landed after ${MAX_ATTEMPTS} attempts`);
  }
}

function readBalance(doc: AccountDoc, asset: string): { total: Scaled; held: Scaled } {
  const balance = Object.hasOwn(doc.balances, asset) ? doc.balances[asset] : undefined;
  return balance === undefined ? { total: 0n, held: 0n } : { total: parseDecimal(balance.total), held: parseDecimal(balance.held) };
}

function checkFieldKey(what: string, value: string): void {
  if (!FIELD_KEY.test(value)) throw new DomainError('VALIDATION_FAILED', `${what} must be 1-128 characters of letters, digits, _ : -`, { [what]: value });
}

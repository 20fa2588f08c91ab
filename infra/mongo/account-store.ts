import type { Collection, Db, UpdateFilter } from 'mongodb';
import { Counter } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyChanges, checkFeeRates, mergeChanges, toAssetBalance, type Account, type AccountChanges, type AccountDecision, type AssetBalance, type FeeRates, type FillRecord, type NewAccount, type RiskLimitOverrides } from '../../domain/account';
import { checkFieldKey, isEmptyUpdate, limitsToDoc, newAccountDoc, projectionFor, readBalance, toAccount, toUpdate, type AccountDoc } from './account-document';
import { COLLECTIONS } from './client';
import { metricsRegistry } from '../metrics/registry';
import { isDuplicateKey } from './write-errors';

const casConflicts = new Counter({
  name: 'oms_account_cas_conflicts_total',
  help: 'Account updates whose compare-and-set lost a race (another writer changed the document in between) and were decided again',
  registers: [metricsRegistry],
});

export interface AccountStore {
  /** Per asset, sorted by asset; null when the account does not exist. */
  getBalances(accountId: string): Promise<AssetBalance[] | null>;
  /** Inserts the account when absent; an existing account is left untouched. */
  createAccount(input: CreateAccountInput): Promise<{ created: boolean }>;
}

/** The name callers of createAccount know; the model is domain/account.ts NewAccount. */
export type CreateAccountInput = NewAccount;

export interface UpdateAccountOptions {
  /** Fill records to load into `account.fills` (the others are not read). */
  fills?: readonly string[];
  /** Creates the account empty under this name when it does not exist, so `decide` never sees null. */
  createAs?: string;
}

/** The risk engine's view of the accounts: any single-account change as one atomic, retried compare-and-set. */
export interface AccountLedger {
  updateAccount<R>(accountId: string, decide: (account: Account | null) => AccountDecision<R>, options?: UpdateAccountOptions): Promise<R>;
  getAccount(accountId: string): Promise<Account | null>;
  /** One settled fill's record on the account; undefined when the account or the record does not exist. */
  getFillRecord(accountId: string, fillId: string): Promise<FillRecord | undefined>;
  /**
   * Moves a settled fill's record out of the account document into its own collection: inserted there first
   * (unique key), then removed from the document, in the same update as the pending fees (by fillId) that the
   * fee account has credited. Idempotent, so a retry completes a crashed pair.
   */
  archiveFill(accountId: string, fillId: string, record: FillRecord, creditedFees?: readonly string[]): Promise<void>;
  getBalances(accountId: string): Promise<AssetBalance[] | null>;
  /** An admin's switch: trading on or off; null when the account does not exist. */
  setTrading(accountId: string, enabled: boolean): Promise<{ wasEnabled: boolean; changedAt: string } | null>;
}

/** Too many lost compare-and-set rounds in a row; transient, so the caller (an activity) retries later. */
export class AccountContentionError extends Error {
  override name = 'AccountContentionError';
}

const MAX_ATTEMPTS = 100;
/** Updates of one account written together at most; more wait for the next group. */
const MAX_GROUP = 64;

interface QueuedUpdate {
  decide: (account: Account | null) => AccountDecision<unknown>;
  fills: readonly string[];
  createAs?: string;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

type GroupOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** A fill's settlement on one account, out of the account document so the document stays bounded (issue 11). */
interface AccountFillDoc {
  _id: string;
  accountId: string;
  fillId: string;
  record: FillRecord;
  archivedAt: string;
}

const accountFillId = (accountId: string, fillId: string) => `${accountId}:${fillId}`;

export class MongoAccountStore implements AccountStore, AccountLedger {
  private readonly accounts: Collection<AccountDoc>;
  private readonly fills: Collection<AccountFillDoc>;
  private readonly clock: () => Date;
  /** Per account with updates in flight, those waiting for the one being written (empty while only it is). */
  private readonly queues = new Map<string, QueuedUpdate[]>();

  constructor(db: Db, options: { clock?: () => Date } = {}) {
    this.accounts = db.collection<AccountDoc>(COLLECTIONS.accounts);
    this.fills = db.collection<AccountFillDoc>(COLLECTIONS.accountFills);
    this.clock = options.clock ?? (() => new Date());
  }

  async getBalances(accountId: string): Promise<AssetBalance[] | null> {
    const doc = await this.accounts.findOne({ _id: accountId }, { projection: { balances: 1 } });
    if (doc === null) return null;
    return Object.keys(doc.balances)
      .sort()
      .map((asset) => toAssetBalance(asset, readBalance(doc, asset)));
  }

  async getAccount(accountId: string): Promise<Account | null> {
    const doc = await this.accounts.findOne({ _id: accountId }, { projection: projectionFor([]) });
    return doc === null ? null : toAccount(doc);
  }

  async getFillRecord(accountId: string, fillId: string): Promise<FillRecord | undefined> {
    const doc = await this.accounts.findOne({ _id: accountId }, { projection: projectionFor([fillId]) });
    if (doc?.fills !== undefined && Object.hasOwn(doc.fills, fillId)) return doc.fills[fillId];
    return (await this.fills.findOne({ _id: accountFillId(accountId, fillId) }))?.record;
  }

  async archiveFill(accountId: string, fillId: string, record: FillRecord, creditedFees: readonly string[] = []): Promise<void> {
    for (const id of creditedFees) checkFieldKey('fillId', id);
    checkFieldKey('fillId', fillId);
    try {
      await this.fills.insertOne({ _id: accountFillId(accountId, fillId), accountId, fillId, record, archivedAt: this.clock().toISOString() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // Only once the record is in its collection: until then the document's copy is what says the fill was applied.
    // Removed without moving the version, so compare-and-sets in flight on the account do not lose their race to it:
    // none needs to re-read. A decision that read the copy treats the fill as a repeat, one that reads the document
    // after this finds the record in its collection (read after the document), and no decision writes either path
    // back (a fill's record is written only by its first settlement, a pending fee only when its fill is).
    const unset: Record<string, ''> = { [`fills.${fillId}`]: '' };
    for (const id of creditedFees) unset[`pendingFees.${id}`] = '';
    await this.accounts.updateOne({ _id: accountId }, { $unset: unset });
  }

  /**
   * Start-up migration: documents written before settlements had their own collection keep every fill in `fills`.
   * Each is archived (inserted, then removed from the document), so a crash anywhere is completed by the next run.
   * Answers how many records it moved.
   */
  async migrateFillsOut(): Promise<number> {
    let moved = 0;
    const cursor = this.accounts.find({ fills: { $exists: true, $ne: {} } }, { projection: { fills: 1 } });
    for await (const doc of cursor) {
      for (const [fillId, record] of Object.entries(doc.fills ?? {})) {
        await this.archiveFill(doc._id, fillId, record);
        moved += 1;
      }
    }
    return moved;
  }

  async createAccount(input: CreateAccountInput): Promise<{ created: boolean }> {
    const doc = newAccountDoc(input, this.clock().toISOString());
    try {
      await this.accounts.insertOne(doc);
      return { created: true };
    } catch (error) {
      if (isDuplicateKey(error)) return { created: false };
      throw error;
    }
  }

  /** Sets the account's maker and taker fee rates; false when the account does not exist. */
  async setFeeRates(accountId: string, rates: FeeRates): Promise<boolean> {
    return this.setField(accountId, { fees: checkFeeRates(rates) });
  }

  /** Replaces the account's limit overrides (`{}` returns it to the defaults); false when the account does not exist. */
  async setRiskLimits(accountId: string, limits: RiskLimitOverrides): Promise<boolean> {
    return this.setField(accountId, { limits: limitsToDoc(limits) });
  }

  /**
   * Turns the account's trading on or off (an admin's switch); null when the account does not exist, else whether
   * trading was on before. The version moves, so a hold decided on the old document re-reads and sees the switch.
   */
  async setTrading(accountId: string, enabled: boolean): Promise<{ wasEnabled: boolean; changedAt: string } | null> {
    const changedAt = this.clock().toISOString();
    const before = await this.accounts.findOneAndUpdate(
      { _id: accountId },
      { $set: { trading: { enabled, changedAt }, updatedAt: changedAt }, $inc: { version: 1 } },
      { returnDocument: 'before', projection: { trading: 1 } },
    );
    return before === null ? null : { wasEnabled: before.trading?.enabled !== false, changedAt };
  }

  /**
   * Updates of one account are committed in order, one compare-and-set at a time within this process: those that
   * arrive while one is being written wait, and are then decided in turn (each on the account as the ones before
   * it left it) and written together as one compare-and-set. A hot account (the fee account, a market maker)
   * then costs a read and a write per group rather than per update, and loses no races to this process's own
   * writers; other processes' writers are still caught by the version check, which re-decides the group.
   */
  async updateAccount<R>(accountId: string, decide: (account: Account | null) => AccountDecision<R>, options: UpdateAccountOptions = {}): Promise<R> {
    const fills = options.fills ?? [];
    // Checked here, so a bad fillId fails its own update rather than the projection of its group.
    projectionFor(fills);
    return new Promise<R>((resolve, reject) => {
      const update: QueuedUpdate = {
        decide,
        fills,
        ...(options.createAs === undefined ? {} : { createAs: options.createAs }),
        resolve: resolve as (result: unknown) => void,
        reject,
      };
      const queue = this.queues.get(accountId);
      if (queue !== undefined) {
        queue.push(update);
        return;
      }
      this.queues.set(accountId, [update]);
      void this.drain(accountId);
    });
  }

  /** Commits the account's queued updates group by group until none is left; the queue lives only while it does. */
  private async drain(accountId: string): Promise<void> {
    const queue = this.queues.get(accountId)!;
    while (queue.length > 0) {
      const group = queue.splice(0, MAX_GROUP);
      try {
        const outcomes = await this.commitGroup(accountId, group);
        outcomes.forEach((outcome, i) => (outcome.ok ? group[i]!.resolve(outcome.result) : group[i]!.reject(outcome.error)));
      } catch (error) {
        for (const update of group) update.reject(error);
      }
    }
    this.queues.delete(accountId);
  }

  /**
   * The store has no numeric comparison on decimal strings and no transactions, so a change is read → decide with
   * bigints → write only if the version is still the one read. Here the account is read once, each update decided
   * on it as the ones before it in the group changed it, and every change written in one update. A decision that
   * throws fails only its own update. A lost race re-reads and decides the whole group again; decisions must
   * therefore be pure.
   */
  private async commitGroup(accountId: string, group: readonly QueuedUpdate[]): Promise<Array<GroupOutcome>> {
    const fillIds = [...new Set(group.flatMap((update) => update.fills))];
    const createAs = group.find((update) => update.createAs !== undefined)?.createAs;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const doc = await this.accounts.findOne({ _id: accountId }, { projection: projectionFor(fillIds) });
      if (doc === null && createAs !== undefined) {
        // Created empty, then decided on like any other account; a concurrent creator wins harmlessly.
        await this.createAccount({ accountId, name: createAs, balances: {} });
        continue;
      }
      // Read after the document: a fill archived by then was archived after it was applied, and its record is found here.
      if (doc !== null && fillIds.length > 0) await this.withArchivedFills(doc, accountId, fillIds);
      let account = doc === null ? null : toAccount(doc);
      let changes: AccountChanges | undefined;
      const outcomes: GroupOutcome[] = group.map((update) => {
        try {
          const decision = update.decide(account);
          if (decision.changes !== undefined && account !== null) {
            toUpdate(decision.changes); // refuses keys that cannot be field names, for this update alone
            account = applyChanges(account, decision.changes);
            changes = changes === undefined ? decision.changes : mergeChanges(changes, decision.changes);
          }
          return { ok: true, result: decision.result };
        } catch (error) {
          return { ok: false, error };
        }
      });
      const update = changes === undefined ? undefined : toUpdate(changes);
      if (doc === null || update === undefined || isEmptyUpdate(update)) return outcomes;
      const write: UpdateFilter<AccountDoc> = { $set: { ...update.set, updatedAt: this.clock().toISOString() }, $inc: { version: 1 } };
      if (update.unset.length > 0) write.$unset = Object.fromEntries(update.unset.map((path) => [path, '']));
      const written = await this.accounts.updateOne({ _id: accountId, version: doc.version }, write);
      if (written.matchedCount === 1) return outcomes;
      casConflicts.inc();
      // Jittered and growing a little, so writers that collided do not collide again in lockstep.
      await sleep(Math.random() * Math.min(50, 2 * attempt));
    }
    throw new AccountContentionError(`account ${accountId}: no update landed after ${MAX_ATTEMPTS} attempts`);
  }

  /** Adds to the document's fills the asked-for records that were already moved to their collection. */
  private async withArchivedFills(doc: AccountDoc, accountId: string, fillIds: readonly string[]): Promise<void> {
    const missing = fillIds.filter((id) => doc.fills === undefined || !Object.hasOwn(doc.fills, id));
    if (missing.length === 0) return;
    const archived = await this.fills.find({ _id: { $in: missing.map((id) => accountFillId(accountId, id)) } }).toArray();
    if (archived.length === 0) return;
    doc.fills = { ...(doc.fills ?? {}), ...Object.fromEntries(archived.map((a) => [a.fillId, a.record])) };
  }

  // A whole-field replacement needs no read first: it does not depend on the document's state.
  private async setField(accountId: string, set: Partial<Pick<AccountDoc, 'fees' | 'limits'>>): Promise<boolean> {
    const written = await this.accounts.updateOne({ _id: accountId }, { $set: { ...set, updatedAt: this.clock().toISOString() }, $inc: { version: 1 } });
    return written.matchedCount === 1;
  }
}

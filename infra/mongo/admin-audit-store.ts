import type { Collection, Db } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { COLLECTIONS } from './client';

/**
 * One admin action: who (the admin key and its account, or `cli`), what (a dotted name such as `api_key.issue`,
 * `account.cancel_all`, `symbol.status`), with which parameters, on what, when, and how it ended.
 */
export interface AdminAuditRecord {
  readonly action: string;
  readonly actor: { readonly accountId: string; readonly keyId: string };
  /** What the action was on, e.g. `{ keyId, accountId }`, `{ accountId }`, `{ symbol }`, `{ orderId }`. */
  readonly target: Readonly<Record<string, string>>;
  /** The request's parameters as the admin sent them (body and query), after validation. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** ISO-8601. */
  readonly at: string;
  readonly requestId: string;
  readonly outcome: 'done' | 'not_found' | 'refused' | 'failed';
  /** What the action did, e.g. the order ids it signalled. */
  readonly details?: Record<string, unknown>;
}

export interface AdminAuditStore {
  record(entry: AdminAuditRecord): Promise<void>;
}

/** `admin_actions`: append-only; nothing in the system updates or deletes it. */
export class MongoAdminAuditStore implements AdminAuditStore {
  private readonly audit: Collection<AdminAuditRecord & { _id: string }>;

  constructor(db: Db) {
    this.audit = db.collection(COLLECTIONS.adminAudit);
  }

  async record(entry: AdminAuditRecord): Promise<void> {
    await this.audit.insertOne({ _id: randomUUID(), ...entry });
  }
}

import type { Collection, Db } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { COLLECTIONS } from './client';

/** One admin action: who (the admin key and its account), what, when, on what, and how it ended. */
export interface AdminAuditRecord {
  readonly action: 'api_key.issue' | 'api_key.revoke';
  readonly actor: { readonly accountId: string; readonly keyId: string };
  readonly target: { readonly keyId: string; readonly accountId?: string };
  /** ISO-8601. */
  readonly at: string;
  readonly requestId: string;
  readonly outcome: 'done' | 'not_found' | 'refused';
  readonly details?: Record<string, unknown>;
}

export interface AdminAuditStore {
  record(entry: AdminAuditRecord): Promise<void>;
}

/** `admin_audit`: append-only; nothing in the system updates or deletes it. */
export class MongoAdminAuditStore implements AdminAuditStore {
  private readonly audit: Collection<AdminAuditRecord & { _id: string }>;

  constructor(db: Db) {
    this.audit = db.collection(COLLECTIONS.adminAudit);
  }

  async record(entry: AdminAuditRecord): Promise<void> {
    await this.audit.insertOne({ _id: randomUUID(), ...entry });
  }
}

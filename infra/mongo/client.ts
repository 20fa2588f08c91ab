import { MongoClient, type Db, type IndexDescription, type MongoClientOptions } from 'mongodb';
import type { MongoSecurity } from '../config';

/** The collections of the system (DESIGN.md, Contracts: Mongo). */
export const COLLECTIONS = {
  orders: 'orders',
  orderEvents: 'order_events',
  accounts: 'accounts',
  apiKeys: 'api_keys',
  fills: 'fills',
  /** The risk engine's settlement of each fill per account (_id `${accountId}:${fillId}`, unique), out of the account document. */
  accountFills: 'account_fills',
  orderAnomalies: 'order_anomalies',
  /** Every admin action (infra/mongo/admin-audit-store.ts): append-only. */
  adminAudit: 'admin_actions',
  /** Symbols an admin halted or resumed at runtime (_id the symbol): the risk engine's override of the static table. */
  symbolStatus: 'symbol_status',
  /** Who runs a job that one process of many should run at a time (infra/mongo/lease.ts; _id the job's name). */
  leases: 'leases',
} as const;

/**
 * Every index, in one place so each process creates the same set at start-up. Names are explicit so
 * a changed key under an old name fails loudly instead of piling up a second index.
 */
const INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.orders]: [
    // listForAccount: newest first with orderId (_id) as the tie-breaker of the keyset cursor
    { key: { accountId: 1, createdAt: -1, _id: -1 }, name: 'account_created' },
    { key: { accountId: 1, status: 1, createdAt: -1 }, name: 'account_status_created' },
    // Not unique: clientOrderId is the trader's label, and the store ignores partial filters (INFRA.md).
    { key: { accountId: 1, clientOrderId: 1 }, name: 'account_client_order_id' },
    // Orders by status and the age of their last transition: the worker's oms_orders_stuck gauge, the admin's listStuck
    // (updatedAt is an ISO UTC string: it sorts as time) and the order sweeper's pages, whose keyset (updatedAt, _id)
    // the index holds in order within a status, so a page is a range of the index, however many orders rest.
    { key: { status: 1, updatedAt: 1, _id: 1 }, name: 'status_updated_id' },
  ],
  [COLLECTIONS.orderEvents]: [{ key: { orderId: 1, version: 1 }, name: 'order_version', unique: true }],
  // fills: _id is the fillId (unique); these serve the per-order and per-account lists.
  [COLLECTIONS.fills]: [
    { key: { accountId: 1, orderId: 1, executedAt: 1 }, name: 'account_order_executed' },
    { key: { accountId: 1, executedAt: -1, _id: -1 }, name: 'account_executed' },
  ],
  [COLLECTIONS.orderAnomalies]: [{ key: { orderId: 1 }, name: 'order' }],
  // api_keys: _id is the key's hash (the lookup); revocation goes by the public key id. Not unique: keys stored before
  // key ids existed have none until their first use (and a unique index counts every missing one as the same null).
  [COLLECTIONS.apiKeys]: [{ key: { keyId: 1 }, name: 'key_id' }],
  [COLLECTIONS.adminAudit]: [
    { key: { at: -1 }, name: 'at' },
    { key: { 'target.keyId': 1 }, name: 'target_key' },
    { key: { action: 1, at: -1 }, name: 'action_at' },
  ],
  [COLLECTIONS.accountFills]: [{ key: { accountId: 1, fillId: 1 }, name: 'account_fill', unique: true }],
};

/**
 * serverSelectionTimeoutMs (default 15 s) bounds every operation's wait for a reachable server, start-up's included:
 * a process whose store is down fails start-up instead of hanging, and one answering clients (the order API) passes a
 * few seconds so its requests answer 503 quickly while the store is down. (Driver 7 has no per-operation timeout:
 * its timeoutMS is deprecated and has no effect.)
 */
export async function connectMongo(config: { url: string; db: string } & Partial<MongoSecurity>, options: { serverSelectionTimeoutMs?: number } = {}): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(config.url, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 15_000, ...mongoSecurityOptions(config) });
  await client.connect();
  return { client, db: client.db(config.db) };
}

/**
 * TLS with a CA bundle (DocumentDB: MONGO_TLS=on, MONGO_TLS_CA_FILE=global-bundle.pem), retryable writes (DocumentDB:
 * MONGO_RETRY_WRITES=off) and credentials kept out of the URL, as driver options: they win over the URL's own.
 */
export function mongoSecurityOptions(config: Partial<MongoSecurity>): MongoClientOptions {
  const options: MongoClientOptions = {};
  if (config.tls !== undefined) {
    options.tls = true;
    if (config.tls.caFile !== undefined) options.tlsCAFile = config.tls.caFile;
  }
  if (config.retryWrites === false) options.retryWrites = false;
  if (config.auth !== undefined) options.auth = { username: config.auth.username, password: config.auth.password };
  return options;
}

/** Drops the index unless it is gone already (MongoDB's IndexNotFound): every process may run this at once. */
export async function dropIndexIfPresent(db: Db, collection: string, name: string): Promise<void> {
  try {
    await db.collection(collection).dropIndex(name);
  } catch (error) {
    if ((error as { code?: unknown }).code === 27 || /index not found/i.test((error as Error).message ?? '')) return;
    throw error;
  }
}

/** Indexes an INDEXES entry replaced, by collection: ensureIndexes drops them once their replacement exists. */
const RETIRED_INDEXES: Record<string, string[]> = {
  // Became status_updated_id, which serves every query it served (a prefix) and the order sweeper's keyset.
  [COLLECTIONS.orders]: ['status_updated'],
};

/** What buildIndexes found, as `collection.index` names: the indexes it built and those that were there already. */
export interface IndexBuild {
  created: string[];
  existing: string[];
}

/** A collection's indexes by name; none when the collection does not exist yet (MongoDB's NamespaceNotFound). */
async function indexesByName(db: Db, collection: string): Promise<Map<string, { key: unknown; unique?: boolean | undefined }>> {
  try {
    const indexes = await db.collection(collection).indexes();
    return new Map(indexes.map((index) => [index.name ?? '', { key: index.key, unique: index.unique }]));
  } catch (error) {
    if ((error as { code?: unknown }).code === 26) return new Map();
    throw error;
  }
}

/** The index's key and uniqueness as the store and INDEXES both write them (field order counts, 1 and 1.0 alike). */
const shape = (index: { key: unknown; unique?: boolean | undefined }): string => JSON.stringify([index.key, index.unique === true]);

/**
 * Creates the indexes a collection lacks, waiting for each build, and drops nothing: the build-indexes job runs it
 * before an upgrade, while the version before still runs (and may still use an index the new one retired). Only the
 * missing ones are sent, with `background: true`: Amazon DocumentDB builds an index in the foreground unless asked,
 * which locks the collection for the build; MongoDB 4.2 and later ignore the option (their builds hold the lock only
 * at the start and the end). An existing index is compared here instead of by the server: one under an INDEXES name
 * with another key or uniqueness fails loudly (the code changed an index without renaming it) rather than being
 * kept or built twice.
 */
export async function buildIndexes(db: Db): Promise<IndexBuild> {
  const build: IndexBuild = { created: [], existing: [] };
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    const present = await indexesByName(db, collection);
    const missing: IndexDescription[] = [];
    for (const index of indexes) {
      const name = String(index.name);
      const found = present.get(name);
      if (found === undefined) {
        missing.push({ ...index, background: true });
        build.created.push(`${collection}.${name}`);
      } else if (shape(found) !== shape(index)) {
        throw new Error(`index ${name} of ${collection} exists as ${shape(found)}, not ${shape(index)}: an index that changes needs a new name (and its old one in RETIRED_INDEXES)`);
      } else build.existing.push(`${collection}.${name}`);
    }
    if (missing.length > 0) await db.collection(collection).createIndexes(missing);
  }
  return build;
}

/**
 * Creates every index a collection lacks (buildIndexes) and drops the retired ones; an index already there is only
 * compared and a retired index already gone is skipped, so every process may call it (at once).
 */
export async function ensureIndexes(db: Db): Promise<void> {
  await buildIndexes(db);
  for (const [collection, names] of Object.entries(RETIRED_INDEXES)) {
    for (const name of names) await dropIndexIfPresent(db, collection, name);
  }
}

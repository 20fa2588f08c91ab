import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import { RESTING_STATUSES, type VenueCommit, type VenueFillRecord, type VenueOrderRecord } from '../../domain/venue-order';
import { allDuplicateKeys, isDuplicateKey } from './write-errors';

/** The venue's collections; the venue alone writes them (one venue process per database). */
export const VENUE_COLLECTIONS = {
  orders: 'venue_orders',
  fills: 'venue_fills',
  outbox: 'venue_outbox',
  meta: 'venue_meta',
} as const;

/*
 * A VenueCommit (domain/venue-order.ts) is written as ONE document of `venue_outbox`: the store has no
 * multi-document transactions, and a single insert is atomic, so a crash leaves either all of a call's effects
 * or none. `venue_orders` and `venue_fills` are projections of these documents; `published` is the outbox flag.
 */

export interface VenueStore {
  /** A new number for this process run, never handed out before (trade ids carry it, so they never repeat). */
  nextRunEpoch(): Promise<number>;
  /** The commit point. Safe to repeat after an unanswered attempt. */
  commit(entry: VenueCommit): Promise<void>;
  /** Writes the commits' orders (by version: never backwards) and fills (by fillId: never twice). Idempotent. */
  applyProjections(entries: readonly VenueCommit[]): Promise<void>;
  /** Marks the commits published, and forgets every published commit but the newest: the outbox holds what is unpublished, plus one. */
  markPublished(seqs: readonly number[]): Promise<void>;
  /** Commits whose reports may not have reached Kafka, oldest first. */
  unpublished(): Promise<VenueCommit[]>;
  lastCommitSeq(): Promise<number>;
  /** Resting orders in time priority. */
  restingOrders(): Promise<VenueOrderRecord[]>;
  getOrder(orderId: string): Promise<VenueOrderRecord | null>;
  /** The records of those of these orders it has, in no particular order: one query (callers bound the ids, e.g. 500). */
  getOrders(orderIds: readonly string[]): Promise<VenueOrderRecord[]>;
  /** The fills of these orders, each order's in report order. */
  fillsOf(orderIds: readonly string[]): Promise<VenueFillRecord[]>;
  /** The wall-clock time the replay of `file` started at, set on first use, so a restart resumes where it was. */
  replayAnchor(file: string, nowMs: number): Promise<number>;
}

type OrderDoc = VenueOrderRecord & { _id: string };
type FillDoc = VenueFillRecord & { _id: string };
type CommitDoc = Omit<VenueCommit, 'seq'> & { _id: number; published: boolean };
type MetaDoc = { _id: string; epoch?: number; file?: string; anchorMs?: number };


export async function ensureVenueIndexes(db: Db): Promise<void> {
  await db.collection(VENUE_COLLECTIONS.orders).createIndexes([{ key: { status: 1, arrival: 1 }, name: 'status_arrival' }]);
  await db.collection(VENUE_COLLECTIONS.fills).createIndexes([{ key: { orderId: 1, version: 1 }, name: 'order_version' }]);
  await db.collection(VENUE_COLLECTIONS.outbox).createIndexes([{ key: { published: 1, _id: 1 }, name: 'published_seq' }]);
}

export class MongoVenueStore implements VenueStore {
  private readonly orders: Collection<OrderDoc>;
  private readonly fills: Collection<FillDoc>;
  private readonly outbox: Collection<CommitDoc>;
  private readonly meta: Collection<MetaDoc>;

  constructor(db: Db) {
    this.orders = db.collection<OrderDoc>(VENUE_COLLECTIONS.orders);
    this.fills = db.collection<FillDoc>(VENUE_COLLECTIONS.fills);
    this.outbox = db.collection<CommitDoc>(VENUE_COLLECTIONS.outbox);
    this.meta = db.collection<MetaDoc>(VENUE_COLLECTIONS.meta);
  }

  async nextRunEpoch(): Promise<number> {
    const doc = await this.meta.findOneAndUpdate({ _id: 'run' }, { $inc: { epoch: 1 } }, { upsert: true, returnDocument: 'after' });
    if (typeof doc?.epoch !== 'number') throw new Error('venue_meta run epoch was not incremented');
    return doc.epoch;
  }

  async commit(entry: VenueCommit): Promise<void> {
    const { seq, ...rest } = entry;
    try {
      await this.outbox.insertOne({ _id: seq, ...rest, published: false });
    } catch (error) {
      // An attempt whose answer was lost already wrote it: the sequence is this process's alone.
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async applyProjections(entries: readonly VenueCommit[]): Promise<void> {
    const fills = entries.flatMap((e) => e.fills);
    if (fills.length > 0) {
      await this.fills.bulkWrite(
        fills.map((f) => ({ updateOne: { filter: { _id: f.fillId }, update: { $setOnInsert: { ...f } }, upsert: true } })),
        { ordered: false },
      );
    }
    const latest = new Map<string, VenueOrderRecord>();
    for (const entry of entries) for (const order of entry.orders) latest.set(order.orderId, order);
    if (latest.size === 0) return;
    const writes: AnyBulkWriteOperation<OrderDoc>[] = [...latest.values()].map((order) => ({
      replaceOne: { filter: { _id: order.orderId, version: { $lt: order.version } }, replacement: { _id: order.orderId, ...order }, upsert: true },
    }));
    try {
      await this.orders.bulkWrite(writes, { ordered: false });
    } catch (error) {
      // A duplicate key means the stored version is already this one or newer (a projection applied twice).
      if (!allDuplicateKeys(error)) throw error;
    }
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.outbox.updateMany({ _id: { $in: [...seqs] } }, { $set: { published: true } });
    // A published commit is needed no more (its projections are written, its reports are in Kafka), except the newest:
    // the next run numbers its commits after it (lastCommitSeq). A crash before this delete leaves it to the next round.
    await this.outbox.deleteMany({ _id: { $lt: Math.max(...seqs) }, published: true });
  }

  async unpublished(): Promise<VenueCommit[]> {
    const docs = await this.outbox.find({ published: false }).sort({ _id: 1 }).toArray();
    return docs.map(({ _id, published: _published, ...rest }) => ({ seq: _id, ...rest }));
  }

  async lastCommitSeq(): Promise<number> {
    const last = await this.outbox.find({}).sort({ _id: -1 }).limit(1).toArray();
    return last[0]?._id ?? 0;
  }

  async restingOrders(): Promise<VenueOrderRecord[]> {
    const docs = await this.orders.find({ status: { $in: [...RESTING_STATUSES] } }).sort({ arrival: 1 }).toArray();
    return docs.map(stripId);
  }

  async getOrder(orderId: string): Promise<VenueOrderRecord | null> {
    const doc = await this.orders.findOne({ _id: orderId });
    return doc === null ? null : stripId(doc);
  }

  async getOrders(orderIds: readonly string[]): Promise<VenueOrderRecord[]> {
    if (orderIds.length === 0) return [];
    const docs = await this.orders.find({ _id: { $in: [...orderIds] } }).toArray();
    return docs.map(stripId);
  }

  async fillsOf(orderIds: readonly string[]): Promise<VenueFillRecord[]> {
    if (orderIds.length === 0) return [];
    const docs = await this.fills.find({ orderId: { $in: [...orderIds] } }).sort({ orderId: 1, version: 1 }).toArray();
    return docs.map(stripId);
  }

  async replayAnchor(file: string, nowMs: number): Promise<number> {
    const id = `replay:${file}`;
    const doc = await this.meta.findOneAndUpdate(
      { _id: id },
      { $setOnInsert: { file, anchorMs: nowMs } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc?.anchorMs ?? nowMs;
  }
}

function stripId<T extends { _id: unknown }>(doc: T): Omit<T, '_id'> {
  const { _id, ...rest } = doc;
  return rest;
}


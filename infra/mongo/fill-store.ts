import type { Collection, Db, Filter } from 'mongodb';
import { DomainError } from '../../domain/errors';
import type { FillView } from '../../domain/events';
import { COLLECTIONS } from './client';
import { afterKeyset, decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { isDuplicateKey } from './write-errors';

/** The fills of orders (FillView, domain/events.ts: one execution of one order as the order applied it). */
export interface FillStore {
  /** Idempotent: the fillId is unique, so a retried activity records a fill once. */
  record(fill: FillView): Promise<{ recorded: boolean }>;
  forOrder(accountId: string, orderId: string): Promise<FillView[]>;
  /** Newest first, keyset-paginated like the orders list. */
  listForAccount(accountId: string, options: { limit: number; cursor?: string; symbol?: string }): Promise<{ fills: FillView[]; nextCursor: string | null }>;
}

type FillDoc = FillView & { _id: string };

export class MongoFillStore implements FillStore {
  private readonly fills: Collection<FillDoc>;

  constructor(db: Db) {
    this.fills = db.collection<FillDoc>(COLLECTIONS.fills);
  }

  async record(fill: FillView): Promise<{ recorded: boolean }> {
    try {
      await this.fills.insertOne({ _id: fill.fillId, ...fill });
      return { recorded: true };
    } catch (error) {
      if (isDuplicateKey(error)) return { recorded: false };
      throw error;
    }
  }

  async forOrder(accountId: string, orderId: string): Promise<FillView[]> {
    const docs = await this.fills.find({ accountId, orderId }).sort({ executedAt: 1, _id: 1 }).toArray();
    return docs.map(strip);
  }

  async listForAccount(accountId: string, options: { limit: number; cursor?: string; symbol?: string }) {
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > 500) {
      throw new DomainError('VALIDATION_FAILED', 'limit must be an integer from 1 to 500', { limit: options.limit });
    }
    const filter: Filter<FillDoc> = { accountId };
    if (options.symbol !== undefined) filter.symbol = options.symbol;
    if (options.cursor !== undefined) Object.assign(filter, afterKeyset('executedAt', decodeKeysetCursor(options.cursor)));
    const docs = await this.fills.find(filter).sort({ executedAt: -1, _id: -1 }).limit(options.limit + 1).toArray();
    const page = docs.slice(0, options.limit).map(strip);
    const last = page.at(-1);
    return { fills: page, nextCursor: docs.length > options.limit && last ? encodeKeysetCursor({ at: last.executedAt, id: last.fillId }) : null };
  }
}

function strip({ _id: _ignored, ...fill }: FillDoc): FillView {
  return fill;
}

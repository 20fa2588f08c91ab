import type { Collection, Db } from 'mongodb';
import type { SymbolStatus } from '../../domain/symbols';
import { COLLECTIONS } from './client';

/** A symbol's trading status as an admin last set it. */
export interface SymbolStatusRecord {
  symbol: string;
  status: SymbolStatus;
  /** ISO-8601. */
  updatedAt: string;
}

interface SymbolStatusDoc {
  _id: string;
  status: SymbolStatus;
  updatedAt: string;
}

/** `symbol_status`: one document per symbol an admin ever halted or resumed; the static symbol table holds for the others. */
export class MongoSymbolStatusStore {
  private readonly statuses: Collection<SymbolStatusDoc>;

  constructor(db: Db) {
    this.statuses = db.collection<SymbolStatusDoc>(COLLECTIONS.symbolStatus);
  }

  /** At most one document per symbol of the table the caller knows, so the answer is bounded by it. */
  async list(symbols: readonly string[]): Promise<SymbolStatusRecord[]> {
    const docs = await this.statuses.find({ _id: { $in: [...symbols] } }).toArray();
    return docs.map(toRecord);
  }

  async get(symbol: string): Promise<SymbolStatusRecord | null> {
    const doc = await this.statuses.findOne({ _id: symbol });
    return doc === null ? null : toRecord(doc);
  }

  /** Stores the status; answers the one stored before (null when the symbol had none). */
  async set(symbol: string, status: SymbolStatus, at: string): Promise<SymbolStatusRecord | null> {
    const before = await this.statuses.findOneAndUpdate({ _id: symbol }, { $set: { status, updatedAt: at } }, { upsert: true, returnDocument: 'before' });
    return before === null ? null : toRecord(before);
  }
}

function toRecord(doc: SymbolStatusDoc): SymbolStatusRecord {
  return { symbol: doc._id, status: doc.status, updatedAt: doc.updatedAt };
}

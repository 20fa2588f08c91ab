import type { Collection, Db } from 'mongodb';
import { COLLECTIONS } from './client';
import { isDuplicateKey } from './write-errors';

interface LeaseDoc {
  _id: string;
  holder: string;
  expiresAt: Date;
}

/**
 * A lease on a named job in Mongo, so that of many replicas one runs it at a time (the worker's order sweeper). The
 * holder renews it each time it runs the job (`acquire`); another takes it only once it has expired, so a holder that
 * died hands over after `ttlMs`. Not a lock for correctness: the job must stay safe when two run it at once (for a
 * moment around an expiry), the lease only keeps that from being the rule.
 */
export class MongoLease {
  private readonly leases: Collection<LeaseDoc>;

  constructor(
    db: Db,
    private readonly name: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.leases = db.collection<LeaseDoc>(COLLECTIONS.leases);
  }

  /** Takes or renews the lease; false while another holder's has not expired. */
  async acquire(): Promise<boolean> {
    const at = this.now();
    try {
      // Matches our own lease or an expired one; when neither exists the upsert inserts the name, and when another
      // holder's live lease has it, that insert collides on _id: not ours.
      await this.leases.updateOne(
        { _id: this.name, $or: [{ holder: this.holder }, { expiresAt: { $lte: new Date(at) } }] },
        { $set: { holder: this.holder, expiresAt: new Date(at + this.ttlMs) } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Gives the lease up (at shutdown), if it is still ours, so another replica takes over at once. */
  async release(): Promise<void> {
    await this.leases.deleteOne({ _id: this.name, holder: this.holder });
  }
}

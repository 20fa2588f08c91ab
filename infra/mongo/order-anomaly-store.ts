import type { Collection, Db } from 'mongodb';
import { recordOrderAnomaly } from '../metrics/order-metrics';
import { COLLECTIONS } from './client';
import { isDuplicateKey } from './write-errors';

/** Something an order refused that people must look at: an overfill, a fill the order could not take. */
export interface OrderAnomaly {
  orderId: string;
  accountId: string;
  kind: string;
  version: number;
  details: Record<string, unknown>;
}

export interface OrderAnomalyStore {
  /** Idempotent: the same anomaly (order, kind, fill or version) is kept once. */
  record(anomaly: OrderAnomaly): Promise<void>;
  forOrder(orderId: string): Promise<OrderAnomaly[]>;
}

/** Keeps the anomaly and counts it on oms_order_anomalies_total, which the alerts read: what every finder of one does. */
export async function keepAnomaly(store: Pick<OrderAnomalyStore, 'record'>, anomaly: OrderAnomaly): Promise<void> {
  await store.record(anomaly);
  recordOrderAnomaly(anomaly.kind);
}

type AnomalyDoc = OrderAnomaly & { _id: string; recordedAt: string };

export class MongoOrderAnomalyStore implements OrderAnomalyStore {
  private readonly anomalies: Collection<AnomalyDoc>;

  constructor(db: Db) {
    this.anomalies = db.collection<AnomalyDoc>(COLLECTIONS.orderAnomalies);
  }

  async record(anomaly: OrderAnomaly): Promise<void> {
    const subject = typeof anomaly.details.fillId === 'string' ? anomaly.details.fillId : `v${anomaly.version}`;
    try {
      await this.anomalies.insertOne({ _id: `${anomaly.orderId}:${anomaly.kind}:${subject}`, ...anomaly, recordedAt: new Date().toISOString() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async forOrder(orderId: string): Promise<OrderAnomaly[]> {
    const docs = await this.anomalies.find({ orderId }).toArray();
    return docs.map(({ _id: _id, recordedAt: _at, ...anomaly }) => anomaly);
  }
}

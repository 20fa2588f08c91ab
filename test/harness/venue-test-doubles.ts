import type { EventPublisher, OutgoingMessage } from '../../infra/kafka/event-publisher';
import { RESTING_STATUSES, type VenueCommit, type VenueFillRecord, type VenueOrderRecord } from '../../domain/venue-order';
import type { VenueStore } from '../../infra/mongo/venue-store';

/**
 * In-memory stand-ins for the venue's unit tests, with the same semantics as the Mongo store
 * (versioned order projection, fills unique by fillId). The integration tests use the real servers.
 */
export class InMemoryVenueStore implements VenueStore {
  readonly outbox = new Map<number, VenueCommit & { published: boolean }>();
  readonly orders = new Map<string, VenueOrderRecord>();
  readonly fills = new Map<string, VenueFillRecord>();
  private epoch = 0;
  /** Commits to refuse before accepting again (a store that does not answer). */
  failNextCommits = 0;

  async nextRunEpoch(): Promise<number> {
    return ++this.epoch;
  }

  async commit(entry: VenueCommit): Promise<void> {
    if (this.failNextCommits > 0) {
      this.failNextCommits -= 1;
      throw new Error('store unavailable');
    }
    if (!this.outbox.has(entry.seq)) this.outbox.set(entry.seq, structuredClone({ ...entry, published: false }));
  }

  async applyProjections(entries: readonly VenueCommit[]): Promise<void> {
    for (const entry of entries) {
      for (const fill of entry.fills) if (!this.fills.has(fill.fillId)) this.fills.set(fill.fillId, structuredClone(fill));
      for (const order of entry.orders) {
        const stored = this.orders.get(order.orderId);
        if (stored === undefined || stored.version < order.version) this.orders.set(order.orderId, structuredClone(order));
      }
    }
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    for (const seq of seqs) {
      const entry = this.outbox.get(seq);
      if (entry) entry.published = true;
    }
    const newest = Math.max(...seqs);
    for (const [seq, entry] of this.outbox) if (seq < newest && entry.published) this.outbox.delete(seq);
  }

  async unpublished(): Promise<VenueCommit[]> {
    return [...this.outbox.values()].filter((e) => !e.published).sort((a, b) => a.seq - b.seq).map(({ published: _p, ...e }) => structuredClone(e));
  }

  async lastCommitSeq(): Promise<number> {
    return Math.max(0, ...this.outbox.keys());
  }

  async restingOrders(): Promise<VenueOrderRecord[]> {
    return [...this.orders.values()].filter((o) => RESTING_STATUSES.includes(o.status)).sort((a, b) => a.arrival - b.arrival).map((o) => structuredClone(o));
  }

  async getOrder(orderId: string): Promise<VenueOrderRecord | null> {
    const order = this.orders.get(orderId);
    return order === undefined ? null : structuredClone(order);
  }

  async getOrders(orderIds: readonly string[]): Promise<VenueOrderRecord[]> {
    return orderIds.flatMap((orderId) => {
      const order = this.orders.get(orderId);
      return order === undefined ? [] : [structuredClone(order)];
    });
  }

  async fillsOf(orderIds: readonly string[]): Promise<VenueFillRecord[]> {
    return [...this.fills.values()].filter((f) => orderIds.includes(f.orderId)).sort((a, b) => a.version - b.version);
  }

  async replayAnchor(_file: string, nowMs: number): Promise<number> {
    return nowMs;
  }
}

export class RecordingPublisher implements EventPublisher {
  readonly sent: Array<{ topic: string; message: OutgoingMessage }> = [];
  /** Sends to refuse before accepting again (Kafka down). */
  failNext = 0;

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('kafka unavailable');
    }
    for (const message of messages) this.sent.push({ topic, message });
  }

  values(topic: string): unknown[] {
    return this.sent.filter((s) => s.topic === topic).map((s) => JSON.parse(s.message.value) as unknown);
  }
}

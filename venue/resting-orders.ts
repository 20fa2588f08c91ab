import type { EngineEvent } from './engine-types';

/**
 * Which orders rest on an engine's book, in the order the engine accepted them: enough to move the book
 * into a fresh engine with every order's time priority intact (see Venue's compaction). Follows the events,
 * so it holds only resting orders, never the engine's whole history.
 */
export class RestingOrders {
  private readonly accepted = new Map<string, number>();

  get size(): number {
    return this.accepted.size;
  }

  follow(events: readonly EngineEvent[]): void {
    for (const event of events) {
      switch (event.type) {
        case 'ACCEPTED':
          this.accepted.set(event.orderId, event.sequence);
          break;
        case 'TRADE':
          if (event.makerRemaining === 0n) this.accepted.delete(event.makerOrderId);
          if (event.takerRemaining === 0n) this.accepted.delete(event.takerOrderId);
          break;
        case 'CANCELLED':
        case 'EXPIRED':
        case 'REJECTED':
          this.accepted.delete(event.orderId);
          break;
        default:
          break;
      }
    }
  }

  /** Oldest first. */
  inPriority(): string[] {
    return [...this.accepted].sort((a, b) => a[1] - b[1]).map(([orderId]) => orderId);
  }
}

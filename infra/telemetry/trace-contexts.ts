import { context, propagation, trace } from '@opentelemetry/api';

/**
 * The trace context each key (an orderId) was last seen in, for work done later outside it: the venue remembers the
 * context of an order's submit call, so the reports its outbox relay publishes afterwards (fills, also of a resting
 * order matched much later, cancels, expiries) carry that order's `traceparent` and continue the order's trace.
 * Bounded: beyond `maxEntries` the oldest key is forgotten (its later reports then start no trace; nothing else
 * changes). In memory only: after a restart, reports of orders submitted before it carry no context.
 */
export class RecentTraceContexts {
  private readonly entries = new Map<string, Record<string, string>>();

  constructor(private readonly maxEntries = 50_000) {}

  /** Remembers the active context for `key` (nothing when no span is active or tracing is off). */
  remember(key: string): void {
    if (trace.getActiveSpan() === undefined) return;
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    if (headers.traceparent === undefined) return;
    this.entries.delete(key);
    this.entries.set(key, headers);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
  }

  /** The W3C headers remembered for `key`, to put on a message about it. */
  headersOf(key: string): Record<string, string> | undefined {
    return this.entries.get(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

import type { VenueCommit } from '../domain/venue-order';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import type { Logger } from '../infra/logger';
import type { VenueStore } from '../infra/mongo/venue-store';

const MAX_RETRY_MS = 5_000;

export interface OutboxRelayOptions {
  /** Pause after a failed round before trying the same commits again; doubles while failures go on, up to 5 s. */
  retryMs?: number;
  /** Commits per round (one projection write, one Kafka send, one outbox update). */
  maxBatch?: number;
  /** The W3C trace headers to put on an order's reports (the context of the order's submit call), if known. */
  traceHeaders?: (orderId: string) => Record<string, string> | undefined;
}

/**
 * Takes committed venue calls to the outside, strictly in commit order: applies their projections
 * (`venue_orders`, `venue_fills`), publishes their reports to `venue-reports` (key orderId), then marks them
 * published. A failed round is retried from the same commit, so a later report never overtakes an earlier
 * one. A crash after the send and before the mark republishes on restart: consumers dedupe by eventId.
 */
export class OutboxRelay {
  private readonly pending: VenueCommit[] = [];
  private readonly retryMs: number;
  private readonly maxBatch: number;
  private readonly traceHeaders: (orderId: string) => Record<string, string> | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private published = 0;
  /** The last commit whose projections are written and whose reports are published (commits go in seq order). */
  private throughSeq = 0;

  constructor(
    private readonly store: VenueStore,
    private readonly publisher: EventPublisher,
    /** The `venue-reports` topic's name (config.kafka.topics). */
    private readonly topic: string,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 500;
    this.maxBatch = options.maxBatch ?? 200;
    this.traceHeaders = options.traceHeaders ?? (() => undefined);
  }

  /** Commits waiting to be published. */
  get backlog(): number {
    return this.pending.length;
  }

  get publishedCommits(): number {
    return this.published;
  }

  /** Every commit up to this seq has its projections in the store (and its reports in Kafka). */
  get projectedThroughSeq(): number {
    return this.throughSeq;
  }

  enqueue(commit: VenueCommit): void {
    this.pending.push(commit);
    this.wake?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Publishes what is pending, giving up after `timeoutMs` (what is left is republished by the next start). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (this.loop === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.loop, timeout]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    let failures = 0;
    for (;;) {
      if (this.pending.length === 0) {
        if (this.stopping) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const batch = this.pending.slice(0, this.maxBatch);
      try {
        await this.publishRound(batch);
        this.pending.splice(0, batch.length);
        this.published += batch.length;
        this.throughSeq = Math.max(this.throughSeq, batch[batch.length - 1]!.seq);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.logger.warn({ err: error, commits: batch.length, backlog: this.pending.length, failures }, 'venue.outbox_retry');
        if (this.stopping) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.retryMs * 2 ** (failures - 1), MAX_RETRY_MS)));
      }
    }
  }

  private async publishRound(batch: readonly VenueCommit[]): Promise<void> {
    await this.store.applyProjections(batch);
    const messages = batch.flatMap((commit) =>
      commit.reports.map((report) => {
        const headers = this.traceHeaders(report.orderId);
        return { key: report.orderId, value: JSON.stringify(report), ...(headers === undefined ? {} : { headers }) };
      }),
    );
    await this.publisher.publish(this.topic, messages);
    await this.store.markPublished(batch.map((commit) => commit.seq));
  }
}

/**
 * The simulated venue: one matching engine per symbol, its user orders made durable, its reports and public
 * feed sent to Kafka.
 *
 * Durability design (the venue must survive `kill -9` at any moment without losing or duplicating a fill):
 *
 * - Every engine call (a submit, a cancel, a replayed bar of the liquidity simulator) runs alone, through one
 *   serial queue. Its events are translated into the new state of each user order it touched, their fills and
 *   their reports (event-translator.ts).
 * - If the call touched a user order, all of that is written as ONE document to `venue_outbox` (the store has
 *   no multi-document transactions; a single insert is atomic). That insert is the commit point: the queue
 *   moves on, the HTTP answer is given, and the in-memory views answered by GET change only after it. A call
 *   whose commit fails is retried until it is written, holding the queue, so memory never runs ahead of what
 *   will be on disk. A crash before the commit loses the call entirely: nothing about it was published or
 *   answered, and the caller retries with the same orderId.
 * - The outbox relay (outbox-relay.ts) then, strictly in commit order, projects each commit into `venue_orders`
 *   (versioned replace) and `venue_fills` (unique fillId), publishes its reports to `venue-reports`, and marks
 *   it published; published commits leave the outbox but the newest, whose seq the next run continues from.
 *   Public trades and book deltas go to `price-feeds` after the commit, best effort: they are not durable, and a
 *   gap in their per-symbol sequence tells readers to take a fresh snapshot.
 * - On start (`recover`): re-apply the projections of every unpublished commit (idempotent), rebuild each book
 *   by submitting the resting user orders again in their original time priority (`arrival`, the creating
 *   commit's sequence) with their remaining quantity, and hand the unpublished commits to the relay, which
 *   republishes them; readers dedupe by eventId = `${orderId}:${version}`.
 * - Ids that must never repeat carry the run: each start takes a new epoch from `venue_meta`, trade ids are
 *   `${symbol}-${epoch}-${n}` and fillIds `${tradeId}:${orderId}`. The public feed's sequence starts each run
 *   above the previous run's (a millisecond clock times 1000), so a restart reads as a gap, not as old news.
 * - The liquidity simulator's orders (accounts `venue-*`) are not persisted: a restart starts a fresh ladder.
 * - An engine holds only the orders on its book (it forgets an order the moment it ends), so its memory follows
 *   the book, however many orders the replay sends. Which ids were ever used, and how each user order ended, is
 *   the venue's to remember: `known` and the store.
 *
 * One venue process per database: the commit sequence is held in memory.
 */
import { formatDecimal, parseDecimal } from '../domain/decimal';
import { DomainError } from '../domain/errors';
import type { SymbolRegistry } from '../domain/symbols';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import type { KafkaTopics } from '../infra/kafka/topics';
import type { Logger } from '../infra/logger';
import { RecentTraceContexts } from '../infra/telemetry/trace-contexts';
import {
  RESTING_STATUSES,
  toVenueOrderStateSummary,
  type VenueCommit,
  type VenueFillRecord,
  type VenueOrder,
  type VenueOrderRecord,
  type VenueOrderStates,
  type VenueOrderStateSummary,
} from '../domain/venue-order';
import type { VenueStore } from '../infra/mongo/venue-store';
import type { EngineEvent, EngineOrder } from './engine-types';
import { translateEngineEvents, type Translation } from './event-translator';
import { assertSameTerms, engineTerms, newRecord, orderView, type KnownOrder } from './order-records';
import type { LiquidityCommand } from './liquidity-simulator';
import { MatchingEngine } from './matching-engine';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { recordVenueOrder, recordVenueTrades } from './metrics';
import { SerialQueue } from './serial-queue';
import type { BookView, CancelReasonInput, VenueOrderRequest } from './schemas';

export interface VenueDeps {
  store: VenueStore;
  publisher: EventPublisher;
  /** Where reports and the public feed go (config.kafka.topics). */
  topics: Pick<KafkaTopics, 'venueReports' | 'priceFeeds'>;
  symbols: SymbolRegistry;
  logger: Logger;
  /** This run's number (`VenueStore.nextRunEpoch`). */
  epoch: number;
  clock?: () => Date;
  relay?: OutboxRelayOptions;
  /**
   * Final orders kept in memory for quick answers (repeat submits, cancels of ended orders, the workflows'
   * reconciliation). Older ones are forgotten once the store's projection has them, and read from it when asked.
   * Default 10,000.
   */
  keepFinalOrders?: number;
}

export interface SubmitOutcome {
  order: VenueOrder;
  /** False when the orderId was already known: the answer is the existing order, nothing was submitted. */
  created: boolean;
}


const MAX_COMMIT_BACKOFF_MS = 2_000;
const DEFAULT_KEEP_FINAL_ORDERS = 10_000;
const FEED_DROP_LOG_INTERVAL_MS = 10_000;

export class Venue {
  private readonly engines = new Map<string, MatchingEngine>();
  /**
   * User orders as last committed: every live one (resting or on its way), and the most recent final ones (at most
   * `keepFinalOrders` once projected; older final ones are read back from the store when asked for).
   */
  private readonly known = new Map<string, KnownOrder>();
  /** Final orders in memory, oldest first, with the commit that ended them: what may be forgotten, in that order. */
  private readonly finalOrders: Array<{ orderId: string; seq: number }> = [];
  private readonly submitting = new Map<string, Promise<SubmitOutcome>>();
  private readonly feedVersions = new Map<string, number>();
  private readonly queue = new SerialQueue();
  private readonly relay: OutboxRelay;
  /** Each order's submit call's trace context: its reports, published later by the relay, continue the order's trace. */
  private readonly traces = new RecentTraceContexts();
  private readonly now: () => Date;
  private readonly feedBase: number;
  private seq = 0;
  private stopped = false;
  private feedDropped = 0;
  private lastFeedDropLog = 0;

  constructor(private readonly deps: VenueDeps) {
    this.now = deps.clock ?? (() => new Date());
    this.feedBase = this.now().getTime() * 1000;
    this.relay = new OutboxRelay(deps.store, deps.publisher, deps.topics.venueReports, deps.logger, {
      ...deps.relay,
      traceHeaders: (orderId) => this.traces.headersOf(orderId),
    });
  }

  /** Rebuilds the books from the store and starts republishing what was not published. Call once, before serving. */
  async recover(): Promise<{ restingOrders: number; republishing: number; lastCommit: number }> {
    const { store } = this.deps;
    const unpublished = await store.unpublished();
    await store.applyProjections(unpublished);
    this.seq = await store.lastCommitSeq();
    const resting = await store.restingOrders();
    const fillsByOrder = new Map<string, VenueFillRecord[]>();
    for (const fill of await store.fillsOf(resting.map((o) => o.orderId))) fillsByOrder.set(fill.orderId, [...(fillsByOrder.get(fill.orderId) ?? []), fill]);
    for (const record of resting) this.known.set(record.orderId, { record, fills: fillsByOrder.get(record.orderId) ?? [] });
    // Queued before anything the rebuild could commit, so the relay keeps commit order.
    for (const commit of unpublished) this.relay.enqueue(commit);
    for (const record of resting) {
      if (this.deps.symbols.get(record.symbol) === undefined) {
        this.deps.logger.error({ orderId: record.orderId, symbol: record.symbol }, 'venue.rebuild_unknown_symbol');
        continue;
      }
      // Post-only only matters on entry; a resting order that was accepted stays, whatever its flag.
      const order: EngineOrder = { ...engineTerms(record), quantity: parseDecimal(record.remaining), postOnly: false };
      await this.queue.run(() => this.execute(record.symbol, (engine) => engine.submit(order), { quietAccepts: true }));
    }
    this.relay.start();
    return { restingOrders: resting.length, republishing: unpublished.length, lastCommit: this.seq };
  }

  /** Idempotent by orderId: a repeat answers the existing order. Answers once the order's state is committed. */
  async submit(request: VenueOrderRequest): Promise<SubmitOutcome> {
    this.traces.remember(request.orderId);
    const running = this.submitting.get(request.orderId);
    if (running !== undefined) {
      await running.catch(() => undefined);
      return this.submit(request);
    }
    const attempt = this.submitOnce(request);
    this.submitting.set(request.orderId, attempt);
    try {
      return await attempt;
    } finally {
      if (this.submitting.get(request.orderId) === attempt) this.submitting.delete(request.orderId);
    }
  }

  /**
   * Cancels a resting order; ORDER_NOT_FOUND if the venue never saw it, ORDER_TERMINAL (with its status) if it is
   * final. GTD_EXPIRED (the order workflow owns the GTD timer) ends it EXPIRED instead of CANCELLED.
   */
  async cancel(orderId: string, reason: CancelReasonInput = 'USER'): Promise<VenueOrder> {
    const known = await this.find(orderId);
    if (known === undefined) throw notFound(orderId);
    return this.queue.run(async () => {
      const current = (this.known.get(orderId) ?? known).record;
      if (!RESTING_STATUSES.includes(current.status)) throw terminal(current);
      const events = await this.execute(current.symbol, (engine) => (reason === 'GTD_EXPIRED' ? engine.expire(orderId) : engine.cancel(orderId)));
      const refused = events.find((e) => e.type === 'CANCEL_REJECTED');
      if (refused !== undefined) {
        // The engine and the venue's records disagree: a bug, never a reason to guess.
        this.deps.logger.error({ orderId, refused }, 'venue.cancel_diverged');
        throw new Error(`the engine refused to cancel ${orderId}, which the venue has as ${current.status}`);
      }
      return orderView(this.known.get(orderId) ?? known);
    });
  }

  /** The order's committed state, or null if the venue never saw it. Waits for a submit of it in flight. */
  async getOrder(orderId: string): Promise<VenueOrder | null> {
    const known = await this.find(orderId);
    return known === undefined ? null : orderView(known);
  }

  /**
   * Each order's state, for the reconciliation sweeper: in the order asked (a repeated id once), and `missing` the ids
   * the venue never saw. Memory first, waiting for a submit of an id in flight as getOrder does; then ONE store read for
   * the rest (final orders forgotten, or ended before this run). Read-only: what the store answers is not kept, so a
   * bulk read does not churn the bounded memory of final orders. A final order never changes, so either answers the same.
   */
  async orderStates(orderIds: readonly string[]): Promise<VenueOrderStates> {
    const ids = [...new Set(orderIds)];
    const inFlight = ids.flatMap((orderId) => this.submitting.get(orderId) ?? []);
    await Promise.all(inFlight.map((attempt) => attempt.catch(() => undefined)));
    const found = new Map<string, VenueOrderStateSummary>();
    for (const orderId of ids) {
      const known = this.known.get(orderId);
      if (known !== undefined) found.set(orderId, toVenueOrderStateSummary(known.record));
    }
    const notInMemory = ids.filter((orderId) => !found.has(orderId));
    if (notInMemory.length > 0) {
      for (const record of await this.deps.store.getOrders(notInMemory)) found.set(record.orderId, toVenueOrderStateSummary(record));
    }
    return {
      orders: ids.flatMap((orderId) => found.get(orderId) ?? []),
      missing: ids.filter((orderId) => !found.has(orderId)),
    };
  }

  /** L2 snapshot; `sequence` is the last price-feed version it includes. */
  book(symbol: string, depth: number): Promise<BookView> {
    return this.queue.run(() => {
      const snapshot = this.engines.get(symbol)?.snapshot(depth) ?? { bids: [], asks: [] };
      const level = (l: { price: bigint; quantity: bigint; orderCount: number }) => ({
        price: formatDecimal(l.price),
        quantity: formatDecimal(l.quantity),
        orderCount: l.orderCount,
      });
      return { symbol, sequence: this.feedVersions.get(symbol) ?? this.feedBase, bids: snapshot.bids.map(level), asks: snapshot.asks.map(level) };
    });
  }

  /** Runs the liquidity simulator's commands for one step as one engine call (one commit if users traded). */
  async applyLiquidity(symbol: string, commands: readonly LiquidityCommand[]): Promise<void> {
    if (commands.length === 0) return;
    await this.queue.run(() =>
      this.execute(symbol, (engine) => commands.flatMap((c) => (c.kind === 'submit' ? engine.submit(c.order) : engine.cancel(c.orderId)))),
    );
  }

  stats(): { knownOrders: number; queued: number; relayBacklog: number; publishedCommits: number; feedDropped: number } {
    return {
      knownOrders: this.known.size,
      queued: this.queue.length,
      relayBacklog: this.relay.backlog,
      publishedCommits: this.relay.publishedCommits,
      feedDropped: this.feedDropped,
    };
  }

  /**
   * The size of every engine's state (the soak benchmark and the state gauges read it): the orders resting on its
   * book, which are all the orders it holds. Cheap: counters, no walk.
   */
  engineSizes(): Array<{ symbol: string; resting: number }> {
    return [...this.engines.entries()].map(([symbol, engine]) => ({ symbol, resting: engine.restingCount }));
  }

  /** Price levels per side of every book (the depth gauge reads it when scraped). */
  bookDepths(): Array<{ symbol: string; bids: number; asks: number }> {
    return [...this.engines.entries()].map(([symbol, engine]) => ({ symbol, ...engine.levelCounts }));
  }

  /** Finishes queued calls, then publishes what is committed (what is left goes out on the next start). */
  async stop(): Promise<void> {
    await this.queue.drain();
    this.stopped = true;
    await this.relay.stop();
  }

  private async submitOnce(request: VenueOrderRequest): Promise<SubmitOutcome> {
    const known = this.known.get(request.orderId) ?? (await this.loadStored(request.orderId));
    if (known !== undefined) {
      assertSameTerms(known.record, request);
      return { order: orderView(known), created: false };
    }
    if (this.deps.symbols.get(request.symbol) === undefined) throw new DomainError('UNKNOWN_SYMBOL', `unknown symbol ${request.symbol}`);
    return this.queue.run(async () => {
      const nowIso = this.now().toISOString();
      const draft = newRecord(request, this.seq + 1, nowIso);
      await this.execute(request.symbol, (engine) => engine.submit(engineTerms(draft)), { draft, reportsInAnswer: request.reportsInAnswer === true });
      const committed = this.known.get(request.orderId);
      if (committed === undefined) throw new Error(`the engine gave no answer for order ${request.orderId}`);
      recordVenueOrder(draft.type, committed.record.status === 'REJECTED' ? 'rejected' : 'accepted');
      return { order: orderView(committed), created: true };
    });
  }

  /** One engine call and its consequences. Runs inside the queue. */
  private async execute(
    symbol: string,
    call: (engine: MatchingEngine) => EngineEvent[],
    /** reportsInAnswer: the draft's caller takes its reports from the answer (they are marked inSubmitAnswer). */
    options: { draft?: VenueOrderRecord; quietAccepts?: boolean; reportsInAnswer?: boolean } = {},
  ): Promise<EngineEvent[]> {
    if (this.stopped) throw new DomainError('SERVICE_UNAVAILABLE', 'the venue is stopping');
    const events = call(this.engineFor(symbol));
    recordVenueTrades(symbol, events.filter((e) => e.type === 'TRADE').length);
    const nowIso = this.now().toISOString();
    const firstFeedVersion = (this.feedVersions.get(symbol) ?? this.feedBase) + 1;
    const { draft } = options;
    const translation = translateEngineEvents(events, {
      symbol,
      nowIso,
      firstFeedVersion,
      quietAccepts: options.quietAccepts === true,
      ...(draft !== undefined && options.reportsInAnswer === true ? { answeredOrderId: draft.orderId } : {}),
      tradeId: (engineTradeId) => `${symbol}-${this.deps.epoch}-${engineTradeId.slice(symbol.length + 1)}`,
      userOrder: (orderId) => (draft?.orderId === orderId ? draft : this.known.get(orderId)?.record),
    });
    this.feedVersions.set(symbol, firstFeedVersion - 1 + translation.feed.length);
    if (translation.orders.size > 0) {
      const commit: VenueCommit = {
        seq: draft?.arrival ?? this.seq + 1,
        orders: [...translation.orders.values()],
        fills: translation.fills,
        reports: translation.reports,
        committedAt: nowIso,
      };
      this.seq = commit.seq;
      await this.commitDurably(commit);
      this.remember(translation, commit.seq);
      this.relay.enqueue(commit);
    }
    this.publishFeed(translation);
    return events;
  }

  private async commitDurably(commit: VenueCommit): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.store.commit(commit);
        return;
      } catch (error) {
        // Memory already holds the call's effects and the engine cannot undo them: the only consistent way
        // on is to get them on disk. Callers wait (and may time out and retry by orderId).
        this.deps.logger.error({ err: error, seq: commit.seq, attempt }, 'venue.commit_retry');
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, MAX_COMMIT_BACKOFF_MS)));
      }
    }
  }

  private remember(translation: Translation, seq: number): void {
    for (const [orderId, record] of translation.orders) {
      const fills = translation.fills.filter((f) => f.orderId === orderId);
      const previous = this.known.get(orderId)?.fills ?? [];
      this.known.set(orderId, { record, fills: fills.length === 0 ? previous : [...previous, ...fills] });
      if (!RESTING_STATUSES.includes(record.status)) this.finalOrders.push({ orderId, seq });
    }
    this.forgetOldFinalOrders();
  }

  /**
   * Keeps memory bounded: beyond `keepFinalOrders`, the oldest final orders leave memory, but only once the relay
   * wrote their commit's projection (until then the store would answer an older state). A final order never
   * changes again, so reading it back from the store later gives the same answer.
   */
  private forgetOldFinalOrders(): void {
    const keep = this.deps.keepFinalOrders ?? DEFAULT_KEEP_FINAL_ORDERS;
    const projected = this.relay.projectedThroughSeq;
    while (this.finalOrders.length > keep && this.finalOrders[0]!.seq <= projected) {
      const { orderId } = this.finalOrders.shift()!;
      const known = this.known.get(orderId);
      if (known !== undefined && !RESTING_STATUSES.includes(known.record.status)) this.known.delete(orderId);
    }
  }

  private publishFeed(translation: Translation): void {
    if (translation.feed.length === 0) return;
    const messages = translation.feed.map((event) => ({ key: event.symbol, value: JSON.stringify(event) }));
    this.deps.publisher.publish(this.deps.topics.priceFeeds, messages).catch((error: unknown) => {
      // Not durable by design: readers see the gap in the sequence and take a fresh snapshot.
      this.feedDropped += messages.length;
      const now = Date.now();
      if (now - this.lastFeedDropLog >= FEED_DROP_LOG_INTERVAL_MS) {
        this.lastFeedDropLog = now;
        this.deps.logger.warn({ err: error, dropped: this.feedDropped }, 'venue.feed_dropped');
      }
    });
  }

  private engineFor(symbol: string): MatchingEngine {
    let engine = this.engines.get(symbol);
    if (engine === undefined) {
      engine = new MatchingEngine(symbol);
      this.engines.set(symbol, engine);
    }
    return engine;
  }

  /** Memory first; a submit in flight is waited for; then the store (orders that ended before this run). */
  private async find(orderId: string): Promise<KnownOrder | undefined> {
    await this.submitting.get(orderId)?.catch(() => undefined);
    return this.known.get(orderId) ?? (await this.loadStored(orderId));
  }

  private async loadStored(orderId: string): Promise<KnownOrder | undefined> {
    const record = await this.deps.store.getOrder(orderId);
    if (record === null) return undefined;
    const known = { record, fills: await this.deps.store.fillsOf([orderId]) };
    // Only final orders are missing from memory, and they never change again: safe to keep (and to forget again).
    if (!this.known.has(orderId)) {
      this.known.set(orderId, known);
      this.finalOrders.push({ orderId, seq: 0 });
      this.forgetOldFinalOrders();
    }
    return known;
  }
}

function notFound(orderId: string): DomainError {
  return new DomainError('ORDER_NOT_FOUND', `the venue has no order ${orderId}`, { orderId });
}

function terminal(record: VenueOrderRecord): DomainError {
  return new DomainError('ORDER_TERMINAL', `order ${record.orderId} is ${record.status} and cannot be cancelled`, {
    orderId: record.orderId,
    status: record.status,
    filledQuantity: record.filledQuantity,
  });
}

import type { Collection, Db, Filter } from 'mongodb';
import * as v from 'valibot';
import { DomainError } from '../../domain/errors';
import { orderEventId, OrderViewSchema } from '../../domain/events';
import { ORDER_STATUSES, TERMINAL_STATUSES, type OrderStatus, type OrderView } from '../../domain/order';
import { COLLECTIONS } from './client';
import { afterKeyset, decodeKeysetCursor, encodeKeysetCursor, type KeysetPosition } from './keyset-cursor';
import { allDuplicateKeys, isDuplicateKey } from './write-errors';

export interface TransitionEvent {
  previousStatus: OrderStatus | null;
  eventType: string;
  occurredAt: string;
  details?: Record<string, unknown>;
}

/** One entry of the append-only audit trail: the order as it was at `version`. */
export interface OrderEventRecord extends TransitionEvent {
  /** `${orderId}:${version}`, the same id the Kafka events carry. */
  eventId: string;
  orderId: string;
  accountId: string;
  version: number;
  status: OrderStatus;
  order: OrderView;
}

export interface ListOrdersOptions {
  status?: OrderStatus;
  symbol?: string;
  /** 1..500 */
  limit: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

export interface OrderPage {
  orders: OrderView[];
  nextCursor: string | null;
}

export interface OrderStore {
  /** Versioned, idempotent: safe to repeat (activity retries); a stale version never overwrites a newer one. */
  recordTransition(order: OrderView, event: TransitionEvent): Promise<{ applied: boolean }>;
  /**
   * Consecutive transitions of one order (versions ascending) as recordTransition records each in turn: every one in
   * the trail, the last as the current state. `applied` says whether the last became the current state.
   */
  recordTransitions(entries: ReadonlyArray<{ order: OrderView; event: TransitionEvent }>): Promise<{ applied: boolean }>;
  /**
   * Records a version whose content a retry may decide differently (the risk check's ACCEPTED or REJECTED): the first
   * content recorded for (orderId, version) wins, and the current state follows it. Answers the recorded entry, which
   * may be an earlier attempt's, and whether the current state moved. `preceding` are the versions right before it
   * (the NEW order), recorded in the trail in the same write; the current state goes straight to the decision.
   */
  recordDecision(
    order: OrderView,
    event: TransitionEvent,
    preceding?: ReadonlyArray<{ order: OrderView; event: TransitionEvent }>,
  ): Promise<{ recorded: OrderEventRecord; applied: boolean }>;
  get(orderId: string): Promise<OrderView | null>;
  /** The order only when it belongs to the account. */
  getForAccount(accountId: string, orderId: string): Promise<OrderView | null>;
  /** Newest first; throws DomainError VALIDATION_FAILED for a bad limit or cursor. */
  listForAccount(accountId: string, options: ListOrdersOptions): Promise<OrderPage>;
  /** The audit trail of one order, oldest first. */
  events(orderId: string): Promise<OrderEventRecord[]>;
  /**
   * Orders not terminal whose last transition (updatedAt) is before `updatedBefore`, oldest transition first, at most
   * `limit` (1..MAX_STUCK_LIMIT): the admin's stuck-orders query, served by the status_updated_id index.
   */
  listStuck(updatedBefore: string, limit: number): Promise<OrderView[]>;
}

/** The entries' views, checked to be consecutive versions (ascending) of one order. */
function consecutiveViews(caller: string, entries: ReadonlyArray<{ order: OrderView }>): OrderView[] {
  const views = entries.map((entry) => viewFields(entry.order));
  const last = views.at(-1);
  views.forEach((view, i) => {
    if (view.orderId !== last!.orderId || (i > 0 && view.version !== views[i - 1]!.version + 1)) {
      throw new Error(`${caller} takes consecutive versions of one order, got ${views.map((x) => `${x.orderId}@${x.version}`).join(', ')}`);
    }
  });
  return views;
}

type OrderDoc = OrderView & { _id: string };
type OrderEventDoc = Omit<OrderEventRecord, 'eventId'> & { _id: string };

export const MAX_LIST_LIMIT = 500;
/** listStuck's bound: a page of MAX_LIST_LIMIT and one more row, which tells the caller there are more. */
export const MAX_STUCK_LIMIT = MAX_LIST_LIMIT + 1;

export class MongoOrderStore implements OrderStore {
  private readonly orders: Collection<OrderDoc>;
  private readonly orderEvents: Collection<OrderEventDoc>;

  constructor(db: Db) {
    this.orders = db.collection<OrderDoc>(COLLECTIONS.orders);
    this.orderEvents = db.collection<OrderEventDoc>(COLLECTIONS.orderEvents);
  }

  async recordTransition(order: OrderView, event: TransitionEvent): Promise<{ applied: boolean }> {
    const view = viewFields(order);
    // Recorded whether or not the current state moved: a retry after a crash between the two writes,
    // or a version that lost a race to a newer one, still belongs in the trail. The unique _id keeps it single.
    // The two writes are independent (each idempotent on its own), so they go out together.
    const [applied] = await Promise.all([this.upsertIfNewer(view), ignoreDuplicate(this.orderEvents.insertOne(eventDocument(view, event)))]);
    return { applied };
  }

  async recordTransitions(entries: ReadonlyArray<{ order: OrderView; event: TransitionEvent }>): Promise<{ applied: boolean }> {
    const views = consecutiveViews('recordTransitions', entries);
    const last = views.at(-1);
    if (last === undefined) return { applied: false };
    const trail = views.map((view, i) => eventDocument(view, entries[i]!.event));
    // As recordTransition for each in turn, but the trail's entries in one write (unordered: one already there, from an
    // earlier attempt, leaves the others to go in) and only the last as the current state: an earlier one would be
    // replaced by it at once.
    const [applied] = await Promise.all([
      this.upsertIfNewer(last),
      this.orderEvents.insertMany(trail, { ordered: false }).catch((error: unknown) => {
        if (!allDuplicateKeys(error)) throw error;
      }),
    ]);
    return { applied };
  }

  async recordDecision(
    order: OrderView,
    event: TransitionEvent,
    preceding: ReadonlyArray<{ order: OrderView; event: TransitionEvent }> = [],
  ): Promise<{ recorded: OrderEventRecord; applied: boolean }> {
    const views = consecutiveViews('recordDecision', [...preceding, { order, event }]);
    const view = views.at(-1)!;
    const decided = eventDocument(view, event);
    // The trail's entries first: the decision's unique _id decides which content this version has, and the current
    // state follows whichever entry won, so the two never disagree. With the versions before it, one unordered write:
    // an entry an earlier attempt wrote is skipped, and when any was, the decision's is read back (it may be that one).
    const inserted =
      preceding.length === 0
        ? await ignoreDuplicate(this.orderEvents.insertOne(decided))
        : await this.orderEvents.insertMany([...views.slice(0, -1).map((v, i) => eventDocument(v, preceding[i]!.event)), decided], { ordered: false }).then(
            () => true,
            (error: unknown) => {
              if (!allDuplicateKeys(error)) throw error;
              return false;
            },
          );
    const recorded = inserted ? fromEventDocument(decided) : await this.recordedEvent(view.orderId, view.version);
    const applied = await this.upsertIfNewer(recorded.order);
    return { recorded, applied };
  }

  private async recordedEvent(orderId: string, version: number): Promise<OrderEventRecord> {
    const doc = await this.orderEvents.findOne({ _id: orderEventId(orderId, version) });
    // The insert collided with this very document: it can only be missing if someone deleted it meanwhile.
    if (doc === null) throw new Error(`order event ${orderEventId(orderId, version)} collided on insert but cannot be read`);
    return fromEventDocument(doc);
  }

  async get(orderId: string): Promise<OrderView | null> {
    return toView(await this.orders.findOne({ _id: orderId }));
  }

  async getForAccount(accountId: string, orderId: string): Promise<OrderView | null> {
    return toView(await this.orders.findOne({ _id: orderId, accountId }));
  }

  async listForAccount(accountId: string, options: ListOrdersOptions): Promise<OrderPage> {
    const { limit } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new DomainError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, { limit });
    }
    const filter: Filter<OrderDoc> = { accountId };
    if (options.status !== undefined) filter.status = options.status;
    if (options.symbol !== undefined) filter.symbol = options.symbol;
    if (options.cursor !== undefined) {
      // Keyset: strictly after the last row of the previous page in (createdAt desc, _id desc) order,
      // so inserts between pages never shift rows into duplicates or gaps the way skip/offset would.
      Object.assign(filter, afterKeyset('createdAt', decodeKeysetCursor(options.cursor)));
    }
    // One extra row tells whether another page exists without a count query.
    const docs = await this.orders.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).toArray();
    const page = docs.slice(0, limit).map((doc) => fromDocument(doc));
    const last = page.at(-1);
    const nextCursor = docs.length > limit && last !== undefined ? encodeKeysetCursor({ at: last.createdAt, id: last.orderId }) : null;
    return { orders: page, nextCursor };
  }

  /** The account's orders that are not final (open or on their way), newest first, at most `limit`; of one symbol when given. */
  async listOpen(accountId: string, limit: number, symbol?: string): Promise<OrderView[]> {
    const open = ORDER_STATUSES.filter((status) => !TERMINAL_STATUSES.includes(status));
    const filter: Filter<OrderDoc> = { accountId, status: { $in: open } };
    if (symbol !== undefined) filter.symbol = symbol;
    const docs = await this.orders.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit).toArray();
    return docs.map((doc) => fromDocument(doc));
  }

  async listStuck(updatedBefore: string, limit: number): Promise<OrderView[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_STUCK_LIMIT) {
      throw new DomainError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_STUCK_LIMIT}`, { limit });
    }
    const open = ORDER_STATUSES.filter((status) => !TERMINAL_STATUSES.includes(status));
    const docs = await this.orders
      .find({ status: { $in: open }, updatedAt: { $lt: updatedBefore } })
      .sort({ updatedAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => fromDocument(doc));
  }

  /**
   * Orders in `status` whose last transition (updatedAt) is before `updatedBefore`, in (updatedAt, _id) order strictly
   * after `after` when given, at most `limit` (1..MAX_LIST_LIMIT): the order sweeper's pages, each a range of the
   * status_updated_id index (one status at a time: a range in order, where several would merge or sort).
   */
  async listByStatusUpdatedBefore(status: OrderStatus, updatedBefore: string, limit: number, after?: KeysetPosition): Promise<OrderView[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new DomainError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`, { limit });
    }
    const filter: Filter<OrderDoc> = { status, updatedAt: { $lt: updatedBefore } };
    if (after !== undefined) Object.assign(filter, { $or: [{ updatedAt: { $gt: after.at } }, { updatedAt: after.at, _id: { $gt: after.id } }] });
    const docs = await this.orders.find(filter).sort({ updatedAt: 1, _id: 1 }).limit(limit).toArray();
    return docs.map((doc) => fromDocument(doc));
  }

  /** The stored status of each of these orders that the store has (an order whose workflow has not recorded it yet is absent). */
  async statusesOf(orderIds: readonly string[]): Promise<Map<string, OrderStatus>> {
    const statuses = new Map<string, OrderStatus>();
    for (let i = 0; i < orderIds.length; i += 1_000) {
      const docs = await this.orders.find({ _id: { $in: orderIds.slice(i, i + 1_000) } }, { projection: { status: 1 } }).toArray();
      for (const doc of docs) statuses.set(doc._id, doc.status);
    }
    return statuses;
  }

  async events(orderId: string): Promise<OrderEventRecord[]> {
    const docs = await this.orderEvents.find({ orderId }).sort({ version: 1 }).toArray();
    return docs.map(({ _id, ...rest }) => ({ eventId: _id, ...rest }));
  }

  /** True when this version became the current state. */
  private async upsertIfNewer(order: OrderView): Promise<boolean> {
    const doc: OrderDoc = { _id: order.orderId, ...order };
    const newerThanStored = { _id: order.orderId, version: { $lt: order.version } };
    try {
      const result = await this.orders.replaceOne(newerThanStored, doc, { upsert: true });
      return result.matchedCount + result.upsertedCount === 1;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // The upsert's insert collided with an existing document. That is either a newer/equal version
    // (stale write: not applied) or a concurrent first insert of an older version that won the race;
    // the document exists now, so a plain conditional replace tells which.
    const retry = await this.orders.replaceOne(newerThanStored, doc);
    return retry.matchedCount === 1;
  }
}

/**
 * Exactly the OrderView fields, validated: a caller passing a richer object (a snapshot) must not leak bookkeeping
 * into the store, and a malformed order (e.g. version 0) must not get into it.
 */
function viewFields(order: OrderView): OrderView {
  const parsed = v.safeParse(OrderViewSchema, order);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new DomainError('VALIDATION_FAILED', `order ${order.orderId}: ${v.getDotPath(issue) ?? '(order)'}: ${issue.message}`, { orderId: order.orderId });
  }
  return parsed.output;
}

function toView(doc: OrderDoc | null): OrderView | null {
  return doc === null ? null : fromDocument(doc);
}

/** The document as the order's view; a document that is not one is refused, not handed on. */
function fromDocument({ _id: id, ...fields }: OrderDoc): OrderView {
  const parsed = v.safeParse(OrderViewSchema, fields);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new Error(`orders document ${id} is not an order: ${v.getDotPath(issue) ?? '(document)'}: ${issue.message}`);
  }
  return parsed.output;
}


/** True when the write went through, false when its unique key was taken already. */
async function ignoreDuplicate(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return false;
  }
}

/** The trail's entry for `order` (a view already validated). */
function eventDocument(order: OrderView, event: TransitionEvent): OrderEventDoc {
  return {
    _id: orderEventId(order.orderId, order.version),
    orderId: order.orderId,
    accountId: order.accountId,
    version: order.version,
    status: order.status,
    previousStatus: event.previousStatus,
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    order,
    ...(event.details === undefined ? {} : { details: event.details }),
  };
}

/** A trail entry read back; its order must still be an order view, since the current state is set from it. */
function fromEventDocument({ _id: eventId, ...fields }: OrderEventDoc): OrderEventRecord {
  const parsed = v.safeParse(OrderViewSchema, fields.order);
  if (!parsed.success) throw new Error(`order event ${eventId} does not hold an order: ${v.getDotPath(parsed.issues[0]) ?? '(order)'}: ${parsed.issues[0].message}`);
  return { eventId, ...fields, order: parsed.output };
}


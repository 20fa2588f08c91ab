import type { Scaled } from '../domain/decimal';
import type { OrderSide } from '../domain/order';
import { OrderBook, type BookLevel } from './order-book';

/** A change of one price level, as a BookDelta carries it. */
export interface LevelChange {
  side: OrderSide;
  price: Scaled;
  quantity: Scaled;
  orderCount: number;
}

/**
 * One event of a symbol's public feed, as far as the book cares: trades advance the sequence without a change.
 * `payload` rides along so the caller learns which buffered events turned out to be this venue's.
 */
export interface FeedStep<T = unknown> {
  version: number;
  change?: LevelChange;
  payload?: T;
}

/** The venue's L2 snapshot: `sequence` is the last feed version it includes. */
export interface BookSnapshot {
  sequence: number;
  bids: readonly BookLevel[];
  asks: readonly BookLevel[];
}

export type StepOutcome =
  /** In sequence: the book moved (or, for a trade, only its sequence). */
  | { kind: 'applied'; change?: LevelChange }
  /** At or below the book's sequence: already in it (a redelivery, or covered by the snapshot). */
  | { kind: 'stale' }
  /** Not the next version: the book needs a fresh snapshot; the event waits in the buffer. */
  | { kind: 'gap'; expected: number; got: number }
  /** A snapshot is awaited: the event waits in the buffer. */
  | { kind: 'buffered' };

export interface SnapshotOutcome<T = unknown> {
  /** Buffered events applied on top of the snapshot. */
  applied: number;
  /** Buffered events the snapshot already includes. */
  covered: number;
  /** Buffered events that arrived before the snapshot was asked for, yet lie above it: not this venue's. */
  foreign: number;
  /** The buffer still holds a gap above the snapshot: ask for another one. */
  resync: boolean;
  /** The covered and the applied events, in version order: this venue's events the caller has not seen through. */
  accepted: Array<FeedStep<T>>;
}

interface Buffered<T> {
  step: FeedStep<T>;
  /** Arrival number: events that arrived before a snapshot was asked for must be in it. */
  arrival: number;
}

const DEFAULT_MAX_BUFFERED = 10_000;

/**
 * Keeps a symbol's book in step with the venue's feed: deltas apply in version order; a version that is not
 * exactly the next one (a lost message, or the jump of a venue restart) means the book can no longer be trusted,
 * so events wait in a buffer while a snapshot is fetched, and then those above the snapshot's sequence are
 * applied on top of it.
 *
 * Foreign events (another venue publishing the same symbol, e.g. an earlier test's) are recognised by the rule
 * that a snapshot asked for after an event of this venue arrived must include it: an event that arrived before
 * the request yet lies above the snapshot's sequence is not this venue's, and is dropped. Pure: the caller fetches.
 */
export class BookSync<T = unknown> {
  private bookState: OrderBook | undefined;
  private sequenceState = 0;
  private syncing = true;
  /** False for a book restored from a hot snapshot until a venue snapshot confirmed (or replaced) it. */
  private checked = true;
  private buffer: Array<Buffered<T>> = [];
  private arrivals = 0;
  private readonly maxBuffered: number;

  constructor(options: { maxBuffered?: number; restored?: BookSnapshot } = {}) {
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    if (options.restored !== undefined) {
      // A book restored from a hot snapshot is served at once and followed live; the caller still checks it
      // against the venue, and the first event out of sequence brings a fresh snapshot anyway.
      this.bookState = OrderBook.from(options.restored);
      this.sequenceState = options.restored.sequence;
      this.syncing = false;
      this.checked = false;
    }
  }

  /** The last known book (possibly behind while a snapshot is awaited); undefined before the first one. */
  get book(): OrderBook | undefined {
    return this.bookState;
  }

  get sequence(): number {
    return this.sequenceState;
  }

  /**
   * True while the book follows the feed event by event from a venue snapshot. A book restored from a hot
   * snapshot is followed at once but reads false until the venue confirmed it: the venue may have moved on.
   */
  get live(): boolean {
    return !this.syncing && this.bookState !== undefined && this.checked;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  onEvent(step: FeedStep<T>): StepOutcome {
    if (this.syncing) {
      this.bufferStep(step);
      return { kind: 'buffered' };
    }
    if (step.version <= this.sequenceState) return { kind: 'stale' };
    if (step.version === this.sequenceState + 1) {
      this.apply(step);
      return step.change === undefined ? { kind: 'applied' } : { kind: 'applied', change: step.change };
    }
    this.syncing = true;
    this.bufferStep(step);
    return { kind: 'gap', expected: this.sequenceState + 1, got: step.version };
  }

  /**
   * A snapshot is about to be asked for: from now on events wait in the buffer. Returns the ticket to hand to
   * onSnapshot with the answer.
   */
  beginSnapshot(): number {
    this.syncing = true;
    return this.arrivals;
  }

  onSnapshot(snapshot: BookSnapshot, ticket: number): SnapshotOutcome<T> {
    // Always taken, even below the book's sequence: nothing is applied while a snapshot is awaited, so a
    // lower sequence means a different venue run (or a restored book from another one), and the venue is the truth.
    this.bookState = OrderBook.from(snapshot);
    this.sequenceState = snapshot.sequence;
    this.checked = true;
    const pending = [...this.buffer].sort((a, b) => a.step.version - b.step.version || a.arrival - b.arrival);
    this.buffer = [];
    const outcome: SnapshotOutcome<T> = { applied: 0, covered: 0, foreign: 0, resync: false, accepted: [] };
    for (let i = 0; i < pending.length; i++) {
      const entry = pending[i] as Buffered<T>;
      const { version } = entry.step;
      if (version <= this.sequenceState) {
        outcome.covered += 1;
        outcome.accepted.push(entry.step);
      } else if (entry.arrival < ticket) {
        outcome.foreign += 1;
      } else if (version === this.sequenceState + 1) {
        this.apply(entry.step);
        outcome.applied += 1;
        outcome.accepted.push(entry.step);
      } else {
        // Arrived after the request, above the snapshot and not next: wait for another snapshot.
        this.buffer = pending.slice(i).filter((e) => e.arrival >= ticket);
        outcome.resync = true;
        return outcome;
      }
    }
    this.syncing = false;
    return outcome;
  }

  private apply(step: FeedStep<T>): void {
    if (step.change !== undefined) {
      const { side, price, quantity, orderCount } = step.change;
      this.bookState?.setLevel(side, price, quantity, orderCount);
    }
    this.sequenceState = step.version;
  }

  private bufferStep(step: FeedStep<T>): void {
    this.buffer.push({ step, arrival: this.arrivals++ });
    // Bounded: the oldest are the likeliest to be covered by the coming snapshot anyway.
    if (this.buffer.length > this.maxBuffered) this.buffer.splice(0, this.buffer.length - this.maxBuffered);
  }
}

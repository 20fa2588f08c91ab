import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from '../logger';
import { OneAtATime, TurnRefusedError } from '../one-at-a-time';
import { TimeoutError, withTimeout } from '../with-timeout';
import { DLQ_HEADERS } from './consumer';
import type { EventPublisher, OutgoingMessage } from './event-publisher';
import { dlqTopic } from './topics';

/** One message of a `<topic>.dlq`, as an admin inspects it. */
export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  timestamp: string;
  /** Every header (the original ones and the dlq-* ones the consumer added: reason, original offset, group...). */
  headers: Record<string, string>;
  /** The dlq-reason header: why the consumer refused it. */
  reason: string | null;
  /** The first PREVIEW_CHARS characters of the value. */
  payloadPreview: string;
  payloadBytes: number;
  /** Below the replay watermark: already re-driven to the source topic (or passed over when replay began). */
  replayed: boolean;
}

export interface DeadLetterPartition {
  partition: number;
  /** The oldest offset still kept (retention deletes older ones). */
  low: string;
  /** The offset the next letter will get. */
  high: string;
  /** Letters below this offset were replayed; replay starts here. */
  replayedUpTo: string;
}

export interface DeadLetterPage {
  topic: string;
  dlqTopic: string;
  partitions: DeadLetterPartition[];
  letters: DeadLetter[];
}

export interface ReplayRange {
  partition: number;
  fromOffset: string;
  /** Inclusive. */
  toOffset: string;
  count: number;
}

export interface ReplayResult {
  topic: string;
  dlqTopic: string;
  replayed: ReplayRange[];
  count: number;
  /** Per partition, where the next replay starts. */
  partitions: DeadLetterPartition[];
}

export interface DeadLetterQueues {
  /** A page of `<topic>.dlq`: from `fromOffset` (default: the oldest kept) of one partition or of each in turn, at most `limit`. */
  list(topic: string, options: { partition?: number; fromOffset?: bigint; limit: number }): Promise<DeadLetterPage>;
  /**
   * Republishes the letters not replayed yet to `topic`, oldest first per partition, up to `toOffset` (inclusive) when
   * given, at most `limit`, and moves the replay watermark past them. Consumers dedupe, so a crash between the publish
   * and the watermark's move (a letter sent twice) is harmless; a letter below the watermark is never sent again.
   */
  replay(topic: string, options: { partition?: number; toOffset?: bigint; limit: number }): Promise<ReplayResult>;
}

/** A partition the caller named does not exist on the topic. */
export class UnknownPartitionError extends Error {
  override name = 'UnknownPartitionError';
  constructor(readonly partition: number) {
    super(`no partition ${partition}`);
  }
}

/** Reading the letters (or preparing a replay) did not finish within the bound: the broker is slow or down. */
export class DeadLetterReadTimeoutError extends Error {
  override name = 'DeadLetterReadTimeoutError';
}

/** A replay could not start within the bound: another one runs (in this process, or in another API process). */
export class ReplayBusyError extends Error {
  override name = 'ReplayBusyError';
}

/** Replays that may wait for the running one in a process; one more is refused at once. */
export const MAX_WAITING_REPLAYS = 4;
const DEFAULT_BOUND_MS = 3_000;
const PREVIEW_CHARS = 2_000;
/** A replayed message says where it came from: `<dlq topic>:<partition>:<offset>`. */
export const REPLAYED_FROM_HEADER = 'dlq-replayed-from';
const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));

interface Range {
  partition: number;
  from: bigint;
  /** Exclusive. */
  to: bigint;
}

interface RawLetter {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  timestamp: string;
}

/** The consumer groups of the dead-letter admin under a Kafka prefix: the replay watermark, and the readers' prefix. */
export function deadLetterGroups(kafkaPrefix: string): { readonly replayGroupId: string; readonly readerGroupPrefix: string } {
  return { replayGroupId: `${kafkaPrefix}dlq-replay`, readerGroupPrefix: `${kafkaPrefix}dlq-reader-` };
}

/**
 * The dead-letter topics through kafkajs. Letters are read with a short-lived consumer group of their own (kafkajs reads
 * only through groups), seeked to exactly the offsets wanted and deleted afterwards. The replay watermark is the
 * committed offset of one consumer group (`replayGroupId`) on each `.dlq` topic: it has a member only while a replay
 * moves it, its offsets are only set by replay, so it survives restarts and is visible to ops
 * (`kafka-consumer-groups --describe`).
 *
 * Every wait is bounded by `boundMs` (the API's dependency bound): a list, and a replay's preparation (reading the
 * letters, joining the watermark group), give up with DeadLetterReadTimeoutError; nothing has been sent then. Replays
 * within this process run one at a time; one that cannot start within the bound, or finds MAX_WAITING_REPLAYS waiting,
 * is refused with ReplayBusyError, as is one that finds the watermark group busy (a replay in another API process).
 * Once a replay sends letters it is not cut short: each partition's letters are published, then its watermark moves
 * past them, so a letter below the watermark is never sent again and the watermark only moves forward.
 */
export class KafkaDeadLetterQueues implements DeadLetterQueues {
  private readonly replays: OneAtATime;
  private readonly boundMs: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly options: { replayGroupId: string; readerGroupPrefix: string; boundMs?: number },
  ) {
    this.boundMs = options.boundMs ?? DEFAULT_BOUND_MS;
    this.replays = new OneAtATime({ maxWaiting: MAX_WAITING_REPLAYS, waitMs: this.boundMs });
  }

  async list(topic: string, options: { partition?: number; fromOffset?: bigint; limit: number }): Promise<DeadLetterPage> {
    const dlq = dlqTopic(topic);
    const deadline = Date.now() + this.boundMs;
    const partitions = await within(deadline, this.withAdmin((admin) => this.partitions(admin, dlq)), `the offsets of ${dlq}`);
    const selected = select(partitions, options.partition);
    const ranges = budget(
      selected.map((p) => ({ partition: p.partition, from: max(BigInt(p.low), options.fromOffset ?? BigInt(p.low)), to: BigInt(p.high) })),
      options.limit,
    );
    const letters = await this.read(dlq, ranges, deadline);
    const watermark = new Map(partitions.map((p) => [p.partition, BigInt(p.replayedUpTo)]));
    return {
      topic,
      dlqTopic: dlq,
      partitions,
      letters: letters.map((raw) => ({
        partition: raw.partition,
        offset: raw.offset,
        key: raw.key,
        timestamp: raw.timestamp,
        headers: raw.headers,
        reason: raw.headers[DLQ_HEADERS.reason] ?? null,
        payloadPreview: raw.value.slice(0, PREVIEW_CHARS),
        payloadBytes: Buffer.byteLength(raw.value, 'utf8'),
        replayed: BigInt(raw.offset) < (watermark.get(raw.partition) ?? 0n),
      })),
    };
  }

  async replay(topic: string, options: { partition?: number; toOffset?: bigint; limit: number }): Promise<ReplayResult> {
    try {
      return await this.replays.run(() => this.replayNow(topic, options));
    } catch (error) {
      if (error instanceof TurnRefusedError) {
        throw new ReplayBusyError(`another replay is running in this process (${error.message}); retry shortly`);
      }
      throw error;
    }
  }

  private async replayNow(topic: string, options: { partition?: number; toOffset?: bigint; limit: number }): Promise<ReplayResult> {
    const dlq = dlqTopic(topic);
    // The preparation sends nothing, so it may give up at the bound.
    const deadline = Date.now() + this.boundMs;
    const before = await within(deadline, this.withAdmin((admin) => this.partitions(admin, dlq)), `the offsets of ${dlq}`);
    const ranges = budget(
      select(before, options.partition).map((p) => ({
        partition: p.partition,
        from: BigInt(p.replayedUpTo),
        to: options.toOffset === undefined ? BigInt(p.high) : min(BigInt(p.high), options.toOffset + 1n),
      })),
      options.limit,
    );
    const letters = await this.read(dlq, ranges, deadline);
    const replayed: ReplayRange[] = [];
    if (letters.length > 0) {
      const watermark = await this.joinWatermark(dlq, deadline);
      // From here on letters go out: no bound cuts it short (kafkajs's own retries end it if the broker is gone).
      try {
        for (const range of ranges) {
          const batch = letters.filter((l) => l.partition === range.partition);
          if (batch.length === 0) continue;
          await this.publisher.publish(topic, batch.map((letter) => redrive(dlq, letter)));
          const last = BigInt(batch[batch.length - 1]!.offset);
          // The watermark moves past what was sent; it started at range.from <= last, so only forward.
          await watermark.commit(range.partition, last + 1n);
          replayed.push({ partition: range.partition, fromOffset: batch[0]!.offset, toOffset: String(last), count: batch.length });
          this.logger.info({ topic, dlqTopic: dlq, partition: range.partition, fromOffset: batch[0]!.offset, toOffset: String(last), count: batch.length }, 'dlq.replayed');
        }
      } finally {
        await watermark.leave();
      }
    }
    // Said from what was read and done, not asked again: a slow broker after the letters went out must not turn a
    // done replay into an error.
    const moved = new Map(replayed.map((r) => [r.partition, BigInt(r.toOffset) + 1n]));
    const partitions = before.map((p) => ({ ...p, replayedUpTo: String(moved.get(p.partition) ?? BigInt(p.replayedUpTo)) }));
    return { topic, dlqTopic: dlq, replayed, count: replayed.reduce((sum, r) => sum + r.count, 0), partitions };
  }

  /**
   * Joins the watermark group as its only member, so its offsets can be committed one partition at a time (kafkajs's
   * admin.setOffsets does the same dance but waits out a 5 s fetch each time). A group that has a member already is
   * another API process replaying: refused.
   */
  private async joinWatermark(dlq: string, deadline: number): Promise<{ commit(partition: number, offset: bigint): Promise<void>; leave(): Promise<void> }> {
    const consumer = this.kafka.consumer({ groupId: this.options.replayGroupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    let joinedGroup: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => (joinedGroup = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joinedGroup());
    const start = startAbandonable(async (abandoned) => {
      await consumer.connect();
      const group = await consumer.describeGroup();
      if (group.state !== 'Empty' && group.state !== 'Dead') {
        throw new ReplayBusyError(`the replay group ${this.options.replayGroupId} is ${group.state}: a replay runs in another process; retry shortly`);
      }
      if (abandoned()) return;
      await consumer.subscribe({ topic: dlq, fromBeginning: true });
      // It only commits: nothing is consumed, nothing committed on its own.
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
      consumer.pause([{ topic: dlq }]);
    });
    try {
      await within(deadline, start.started.then(() => joined), `joining ${this.options.replayGroupId}`);
    } catch (error) {
      this.closeAfter(start, consumer, 'dlq.watermark_consumer_not_closed');
      throw error;
    }
    return {
      commit: (partition, offset) => consumer.commitOffsets([{ topic: dlq, partition, offset: String(offset) }]),
      leave: () => consumer.disconnect(),
    };
  }

  private async partitions(admin: Admin, dlq: string): Promise<DeadLetterPartition[]> {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(dlq), admin.fetchOffsets({ groupId: this.options.replayGroupId, topics: [dlq] })]);
    const replayedUpTo = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends
      .map((p) => {
        const low = BigInt(p.low);
        // -1: nothing replayed yet. Below `low`: retention deleted letters never replayed; replay starts at what is kept.
        const mark = max(replayedUpTo.get(p.partition) ?? -1n, low);
        return { partition: p.partition, low: p.low, high: p.high, replayedUpTo: String(min(mark, BigInt(p.high))) };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  /** Exactly the messages of `ranges`, in partition then offset order, or DeadLetterReadTimeoutError at `deadline`. */
  private async read(dlq: string, ranges: readonly Range[], deadline: number): Promise<RawLetter[]> {
    const wanted = ranges.filter((r) => r.to > r.from);
    if (wanted.length === 0) return [];
    const groupId = `${this.options.readerGroupPrefix}${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    const byPartition = new Map(wanted.map((r) => [r.partition, { range: r, letters: [] as RawLetter[] }]));
    const complete = () => [...byPartition.values()].every(({ range, letters }) => letters.length > 0 && BigInt(letters[letters.length - 1]!.offset) >= range.to - 1n);
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const start = startAbandonable(async (abandoned) => {
      await consumer.connect();
      if (abandoned()) return;
      await consumer.subscribe({ topic: dlq, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const entry = byPartition.get(partition);
          const offset = BigInt(message.offset);
          if (entry === undefined || offset < entry.range.from || offset >= entry.range.to) return;
          if (entry.letters.some((l) => l.offset === message.offset)) return;
          entry.letters.push({
            partition,
            offset: message.offset,
            key: message.key === null ? null : message.key.toString('utf8'),
            value: message.value === null ? '' : message.value.toString('utf8'),
            headers: decodeHeaders(message.headers),
            timestamp: message.timestamp,
          });
          if (complete()) finished();
        },
      });
      for (const { partition, from } of wanted) consumer.seek({ topic: dlq, partition, offset: String(from) });
    });
    try {
      await within(deadline, start.started.then(() => done), `reading ${dlq}`);
    } finally {
      // Closing the reader and deleting its group is no part of the answer: the request does not wait for it.
      this.closeAfter(start, consumer, 'dlq.reader_not_closed', () => this.withAdmin((admin) => admin.deleteGroups([groupId])));
    }
    return [...byPartition.values()].flatMap(({ letters }) => letters.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)));
  }

  /**
   * In the background, once the consumer's start has settled (disconnecting under a start that goes on could leave it
   * a member of its group), disconnects it, then runs `after`; logs what fails. Cleanup no answer waits for.
   */
  private closeAfter(start: Abandonable, consumer: Consumer, failure: string, after?: () => Promise<unknown>): void {
    start.abandon();
    const close = async () => {
      await start.started.catch(() => undefined);
      await consumer.disconnect();
      await after?.();
    };
    close().catch((error: unknown) => this.logger.warn({ err: error }, failure));
  }

  private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }
}

interface Abandonable {
  started: Promise<void>;
  /** From now on the start stops at its next check instead of going on (e.g. joining a group nobody waits for). */
  abandon(): void;
}

function startAbandonable(start: (abandoned: () => boolean) => Promise<void>): Abandonable {
  let abandoned = false;
  return {
    started: start(() => abandoned),
    abandon: () => {
      abandoned = true;
    },
  };
}

/** The promise's outcome, or DeadLetterReadTimeoutError once `deadline` (epoch ms) has passed; the work runs on. */
async function within<T>(deadline: number, work: Promise<T>, what: string): Promise<T> {
  try {
    return await withTimeout(work, Math.max(1, deadline - Date.now()), what);
  } catch (error) {
    if (error instanceof TimeoutError) throw new DeadLetterReadTimeoutError(`${what} did not finish within the bound`);
    throw error;
  }
}

/** The letter as it was first published, saying where it was replayed from; the consumer's dlq-* headers stay behind. */
function redrive(dlq: string, letter: RawLetter): OutgoingMessage {
  const headers = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !DLQ_HEADER_NAMES.has(name)));
  headers[REPLAYED_FROM_HEADER] = `${dlq}:${letter.partition}:${letter.offset}`;
  return { key: letter.key ?? `${dlq}:${letter.partition}:${letter.offset}`, value: letter.value, headers };
}

function select(partitions: readonly DeadLetterPartition[], partition: number | undefined): DeadLetterPartition[] {
  if (partition === undefined) return [...partitions];
  const found = partitions.filter((p) => p.partition === partition);
  if (found.length === 0) throw new UnknownPartitionError(partition);
  return found;
}

/** At most `limit` offsets over the ranges, taken in partition order (offsets of a `.dlq` topic are contiguous). */
function budget(ranges: readonly Range[], limit: number): Range[] {
  let left = BigInt(limit);
  return ranges.map((r) => {
    const size = r.to > r.from ? min(r.to - r.from, left) : 0n;
    left -= size;
    return { ...r, to: r.from + size };
  });
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) decoded[name] = last.toString();
  }
  return decoded;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

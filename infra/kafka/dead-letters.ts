import { randomUUID } from 'node:crypto';
import type { Admin, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from '../logger';
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

/** Reading the letters did not finish in time (the broker is slow or down). */
export class DeadLetterReadTimeoutError extends Error {
  override name = 'DeadLetterReadTimeoutError';
}

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

/**
 * The dead-letter topics through kafkajs. Letters are read with a short-lived consumer group of their own (kafkajs reads
 * only through groups), seeked to exactly the offsets wanted and deleted afterwards. The replay watermark is the
 * committed offset of one consumer group (`replayGroupId`) on each `.dlq` topic: it never has members, its offsets are
 * only set by replay, so it survives restarts and is visible to ops (`kafka-consumer-groups --describe`).
 * Replays within this process run one at a time; concurrent replays from two API processes could both send a letter
 * (harmless: consumers dedupe) but the watermark only moves forward.
 */
export class KafkaDeadLetterQueues implements DeadLetterQueues {
  private replaying: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly options: { replayGroupId: string; readerGroupPrefix: string; readTimeoutMs?: number },
  ) {}

  async list(topic: string, options: { partition?: number; fromOffset?: bigint; limit: number }): Promise<DeadLetterPage> {
    const dlq = dlqTopic(topic);
    const partitions = await this.withAdmin((admin) => this.partitions(admin, dlq));
    const selected = select(partitions, options.partition);
    const ranges = budget(
      selected.map((p) => ({ partition: p.partition, from: max(BigInt(p.low), options.fromOffset ?? BigInt(p.low)), to: BigInt(p.high) })),
      options.limit,
    );
    const letters = await this.read(dlq, ranges);
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

  replay(topic: string, options: { partition?: number; toOffset?: bigint; limit: number }): Promise<ReplayResult> {
    const next = this.replaying.then(() => this.replayNow(topic, options));
    this.replaying = next.catch(() => undefined);
    return next;
  }

  private async replayNow(topic: string, options: { partition?: number; toOffset?: bigint; limit: number }): Promise<ReplayResult> {
    const dlq = dlqTopic(topic);
    return this.withAdmin(async (admin) => {
      const before = await this.partitions(admin, dlq);
      const ranges = budget(
        select(before, options.partition).map((p) => ({
          partition: p.partition,
          from: BigInt(p.replayedUpTo),
          to: options.toOffset === undefined ? BigInt(p.high) : min(BigInt(p.high), options.toOffset + 1n),
        })),
        options.limit,
      );
      const letters = await this.read(dlq, ranges);
      const replayed: ReplayRange[] = [];
      for (const range of ranges) {
        const batch = letters.filter((l) => l.partition === range.partition);
        if (batch.length === 0) continue;
        await this.publisher.publish(topic, batch.map((letter) => redrive(dlq, letter)));
        const last = BigInt(batch[batch.length - 1]!.offset);
        // The watermark moves past what was sent, never backwards.
        await admin.setOffsets({ groupId: this.options.replayGroupId, topic: dlq, partitions: [{ partition: range.partition, offset: String(last + 1n) }] });
        replayed.push({ partition: range.partition, fromOffset: batch[0]!.offset, toOffset: String(last), count: batch.length });
        this.logger.info({ topic, dlqTopic: dlq, partition: range.partition, fromOffset: batch[0]!.offset, toOffset: String(last), count: batch.length }, 'dlq.replayed');
      }
      return { topic, dlqTopic: dlq, replayed, count: replayed.reduce((sum, r) => sum + r.count, 0), partitions: await this.partitions(admin, dlq) };
    });
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

  /** Exactly the messages of `ranges`, in partition then offset order. */
  private async read(dlq: string, ranges: readonly Range[]): Promise<RawLetter[]> {
    const wanted = ranges.filter((r) => r.to > r.from);
    if (wanted.length === 0) return [];
    const groupId = `${this.options.readerGroupPrefix}${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    const byPartition = new Map(wanted.map((r) => [r.partition, { range: r, letters: [] as RawLetter[] }]));
    const complete = () => [...byPartition.values()].every(({ range, letters }) => letters.length > 0 && BigInt(letters[letters.length - 1]!.offset) >= range.to - 1n);
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    await consumer.connect();
    try {
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
      const timeoutMs = this.options.readTimeoutMs ?? 15_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const outcome = await Promise.race([done.then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') throw new DeadLetterReadTimeoutError(`reading ${dlq} took over ${timeoutMs} ms`);
    } finally {
      await consumer.disconnect();
      await this.withAdmin((admin) => admin.deleteGroups([groupId])).catch((error: unknown) => this.logger.warn({ err: error, groupId }, 'dlq.reader_group_not_deleted'));
    }
    return [...byPartition.values()].flatMap(({ letters }) => letters.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)));
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

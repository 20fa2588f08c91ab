import { abortableSleep } from '../abortable-sleep';
import { withTimeout } from '../with-timeout';
import type { EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../logger';
import type { EventPublisher, OutgoingMessage } from './event-publisher';
import { kafkaDeadLetters, kafkaMessagesConsumed, startLagMonitor, type LagMonitor } from './kafka-metrics';
import { PoisonMessageError } from './poison-message';

export { PoisonMessageError, parseMessage } from './poison-message';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  /** Header values as UTF-8; a header repeated in one message keeps its last value. */
  headers: Record<string, string>;
  timestamp: string;
}

export type MessageHandler = (message: ConsumedMessage) => Promise<void>;

export interface ConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  logger: Logger;
  handle: MessageHandler;
  dlqTopic: string;
  publisher: EventPublisher;
  /** Where a group without committed offsets starts. Default true: a new group must not skip orders. */
  fromBeginning?: boolean;
  /**
   * Default true. False for a group of one process that starts from the end each time (fromBeginning false,
   * a group id of its own, e.g. a cache of the latest values): nothing is committed, so the group leaves no
   * offsets behind when the process is gone.
   */
  commitOffsets?: boolean;
  /**
   * Resolve only after the first fetch (at most 30 s), by when a group without committed offsets has fixed
   * where it starts: everything published from then on is delivered. A cache can then load a snapshot of
   * what came before without a gap between the two.
   */
  awaitFirstFetch?: boolean;
  /** Backoff between attempts at a message whose handler failed transiently. */
  retry?: { initialMs?: number; maxMs?: number };
  /** Resolved offsets are committed at least this often within a batch, and always at its end. */
  commitIntervalMs?: number;
  /** Longest wait of an idle fetch (and so of stop() on an idle consumer). */
  maxWaitTimeMs?: number;
  /** Partitions handled at once; order within a partition always holds. */
  partitionsConsumedConcurrently?: number;
  /**
   * How long the group waits for a silent member before giving its partitions to others. Shorter than
   * kafkajs's 30 s so a killed worker's orders move to a live one quickly; heartbeats run every 1/10 of it.
   */
  sessionTimeoutMs?: number;
  /** Called when kafkajs gives up on the consumer (a crash it will not restart from): the process should exit. */
  onFatal?: (error: Error) => void;
  /**
   * For handlers that gather their writes instead of awaiting each one: called before offsets are resolved, at
   * most every `commitIntervalMs` and at the end of every batch (also a stopped one), and it must make durable
   * what the handled messages did. Only offsets of messages handled before a successful flush are committed, so
   * a crash still means redelivery, never loss. A failing flush is retried like a failing handler.
   */
  flush?: () => Promise<void>;
}

export interface RunningConsumer {
  /** Stops intake, lets the message in hand finish, commits what was processed, leaves the group. */
  stop(): Promise<void>;
}

/** Header names describing why and from where a message was dead-lettered. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  details: 'dlq-details',
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  timestamp: 'dlq-original-timestamp',
  groupId: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

/**
 * Runs `handle` for every message of `topic`, in order per partition, committing an offset only after its
 * handler finished: a crash means redelivery, never loss, so handlers must be idempotent. A PoisonMessageError
 * sends the message to `dlqTopic` and moves on; any other error retries the same message with capped
 * exponential backoff for as long as it takes, because skipping it would lose it.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { kafka, groupId, topic } = options;
  const logger = options.logger.child({ component: 'kafka-consumer', groupId, topic });
  const stopping = new AbortController();
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // An idle fetch long-polls this long, and stop() waits for it: 1 s instead of kafkajs's 5 s keeps
    // shutdown quick for one cheap empty fetch per second.
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 10_000) / 10)),
  });
  consumer.on(consumer.events.CRASH, (event) => {
    // kafkajs rejoins by itself after most crashes (restartOnFailure); the log says why it happened.
    logger.error({ err: event.payload.error, restart: event.payload.restart }, 'kafka_consumer_crashed');
    // Without a restart the consumer is dead while the process looks alive: let the owner exit.
    if (!event.payload.restart) options.onFatal?.(event.payload.error);
  });

  const processor = new MessageProcessor(options, logger, stopping.signal);
  const commit = options.commitOffsets ?? true;
  let fetched: (() => void) | undefined;
  const firstFetch = new Promise<void>((resolve) => (fetched = resolve));
  const removeFetchListener = consumer.on(consumer.events.FETCH, () => fetched?.());
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      // Only offsets resolved below (handled, or dead-lettered) are ever committed.
      eachBatchAutoResolve: false,
      autoCommit: commit,
      // Without an interval, the commitOffsetsIfNecessary calls below commit nothing.
      autoCommitInterval: commit ? (options.commitIntervalMs ?? 1_000) : null,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => processor.processBatch(payload),
    });
    if (options.awaitFirstFetch === true) await withTimeout(firstFetch, 30_000, `no fetch from ${topic} within 30 s of joining ${groupId}`);
  } catch (error) {
    await consumer.disconnect();
    throw error;
  } finally {
    removeFetchListener();
  }
  logger.info('kafka_consumer_started');
  // Lag is high watermark minus committed offset: a group that commits nothing has none to report.
  const lag: LagMonitor | undefined = commit ? startLagMonitor({ kafka, groupId, topic, logger }) : undefined;

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await lag?.stop();
        // disconnect() waits for the batch in hand; kafkajs commits its resolved offsets before leaving.
        await consumer.disconnect();
        logger.info('kafka_consumer_stopped');
      })();
      return stopped;
    },
  };
}

class MessageProcessor {
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly options: ConsumerOptions,
    private readonly logger: Logger,
    private readonly stopping: AbortSignal,
  ) {
    this.initialMs = options.retry?.initialMs ?? 200;
    this.maxMs = options.retry?.maxMs ?? 30_000;
  }

  async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const active = (): boolean => payload.isRunning() && !payload.isStale() && !this.stopping.aborted;
    const heartbeat = (): Promise<void> => payload.heartbeat();
    const { flush } = this.options;
    const flushEveryMs = this.options.commitIntervalMs ?? 1_000;
    // With a flush, handled offsets wait here until what their handlers did is durable.
    let handled: string | undefined;
    let lastFlush = Date.now();
    const resolveHandled = async (): Promise<boolean> => {
      if (handled === undefined) return true;
      if (flush !== undefined && !(await this.flushWithRetry(flush, heartbeat, active))) return false;
      payload.resolveOffset(handled);
      handled = undefined;
      lastFlush = Date.now();
      return true;
    };
    try {
      for (const raw of batch.messages) {
        if (!active()) return;
        const message = toConsumedMessage(batch.topic, batch.partition, raw);
        const done = await this.processWithRetry(message, heartbeat, active);
        // Stopped while retrying: the message stays uncommitted and is redelivered to whoever consumes next.
        if (!done) return;
        handled = raw.offset;
        if (flush === undefined || Date.now() - lastFlush >= flushEveryMs) {
          if (!(await resolveHandled())) return;
          await payload.commitOffsetsIfNecessary();
        }
        await heartbeat();
      }
    } finally {
      // The end of the batch, or a stop: what was handled becomes durable and committable (kafkajs commits next).
      await resolveHandled();
    }
  }

  /** Retries a failed flush with the handlers' backoff; false when stopped before it succeeded. */
  private async flushWithRetry(flush: () => Promise<void>, heartbeat: () => Promise<void>, active: () => boolean): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await flush();
        return true;
      } catch (error) {
        const delayMs = this.backoff(attempt);
        this.logger.warn({ err: error, attempt, delayMs }, 'kafka_flush_retry');
        if (!active()) return false;
        await this.wait(delayMs, heartbeat);
        if (!active()) return false;
      }
    }
  }

  private async processWithRetry(message: ConsumedMessage, heartbeat: () => Promise<void>, active: () => boolean): Promise<boolean> {
    let poison: PoisonMessageError | undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Once found poisonous, only the dead-lettering is retried; the handler is not run again.
        poison ??= await this.runHandler(message);
        if (poison !== undefined) await this.deadLetter(message, poison);
        kafkaMessagesConsumed.inc({ group: this.options.groupId, topic: message.topic });
        return true;
      } catch (error) {
        if (!active()) return false;
        const delayMs = this.backoff(attempt);
        this.logger.warn(
          { err: error, partition: message.partition, offset: message.offset, key: message.key, attempt, delayMs },
          poison === undefined ? 'kafka_message_retry' : 'kafka_dead_letter_retry',
        );
        await this.wait(delayMs, heartbeat);
        if (!active()) return false;
      }
    }
  }

  /** Resolves to the PoisonMessageError if the handler refused the message; transient errors propagate. */
  private async runHandler(message: ConsumedMessage): Promise<PoisonMessageError | undefined> {
    try {
      await this.options.handle(message);
      return undefined;
    } catch (error) {
      if (error instanceof PoisonMessageError) return error;
      throw error;
    }
  }

  private async deadLetter(message: ConsumedMessage, poison: PoisonMessageError): Promise<void> {
    const headers: Record<string, string> = {
      ...message.headers,
      [DLQ_HEADERS.reason]: truncate(poison.reason, 1_000),
      [DLQ_HEADERS.topic]: message.topic,
      [DLQ_HEADERS.partition]: String(message.partition),
      [DLQ_HEADERS.offset]: message.offset,
      [DLQ_HEADERS.timestamp]: message.timestamp,
      [DLQ_HEADERS.groupId]: this.options.groupId,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    };
    if (poison.details !== undefined) headers[DLQ_HEADERS.details] = truncate(safeJson(poison.details), 4_000);
    // A keyless message gets its coordinates as key, so keyless poison does not pile onto one partition.
    const dlqMessage: OutgoingMessage = {
      key: message.key ?? `${message.topic}:${message.partition}:${message.offset}`,
      value: message.value,
      headers,
    };
    await this.options.publisher.publish(this.options.dlqTopic, [dlqMessage]);
    kafkaDeadLetters.inc({ topic: message.topic });
    this.logger.error(
      { partition: message.partition, offset: message.offset, key: message.key, reason: poison.reason, dlqTopic: this.options.dlqTopic },
      'kafka_message_dead_lettered',
    );
  }

  private backoff(attempt: number): number {
    const exponential = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(attempt - 1, 30));
    // ±20 % jitter so consumers that failed together do not retry in lockstep.
    return Math.round(Math.min(this.maxMs, exponential * (0.8 + Math.random() * 0.4)));
  }

  /** Sleeps between attempts, heartbeating so the group does not evict us; a stop() wakes it at once. */
  private async wait(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0 && !this.stopping.aborted; left = until - Date.now()) {
      await abortableSleep(Math.min(left, 1_000), this.stopping);
      await heartbeat();
    }
  }
}

function toConsumedMessage(topic: string, partition: number, raw: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: raw.offset,
    key: raw.key === null ? null : raw.key.toString('utf8'),
    // A tombstone (null value) reaches the handler as '' and fails its parsing like any other bad value.
    value: raw.value === null ? '' : raw.value.toString('utf8'),
    headers: decodeHeaders(raw.headers),
    timestamp: raw.timestamp,
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) decoded[name] = last.toString();
  }
  return decoded;
}


function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

import { Partitioners, type Kafka, type Message, type Producer, type RetryOptions } from 'kafkajs';
import type { Logger } from '../logger';
import { kafkaPublishBatchSize, kafkaPublishDuration } from './kafka-metrics';
import { tracePublish } from '../telemetry/kafka-tracing';

export interface OutgoingMessage {
  key: string;
  value: string;
  headers?: Record<string, string>;
}

/** Publishes events; the promise resolves once Kafka acknowledged every message of the call (acks = all). */
export interface EventPublisher {
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
}

/** The queue of messages waiting for a send is full: the caller should answer 503 rather than wait. */
export class PublisherOverloadedError extends Error {
  override name = 'PublisherOverloadedError';
  readonly code = 'PUBLISHER_OVERLOADED';
}

/** publish() after stop() began (or before start()). */
export class PublisherStoppedError extends Error {
  override name = 'PublisherStoppedError';
  readonly code = 'PUBLISHER_STOPPED';
}

/** Kafka did not acknowledge the send these messages were part of; they may or may not have been written. */
export class PublishFailedError extends Error {
  override name = 'PublishFailedError';
  readonly code = 'PUBLISH_FAILED';
}

export interface KafkaEventPublisherOptions {
  /**
   * How long the first message of a busy publisher waits for company; 0 waits only for the current I/O turn. A publisher
   * that has not begun a send for `idleAfterMs` waits only for the current I/O turn too.
   */
  lingerMs?: number;
  /**
   * Since the last send began: after this long the publisher is idle, and its next message goes with the next send at
   * once (a lone order does not wait `lingerMs` for company that will not come); 0: always linger.
   */
  idleAfterMs?: number;
  /** Messages waiting for a send beyond which publish() rejects with PublisherOverloadedError. */
  maxQueuedMessages?: number;
  /** Upper bounds of one sendBatch; a single publish() call larger than these is still sent whole. */
  maxBatchMessages?: number;
  maxBatchBytes?: number;
  /** Retries of one send inside kafkajs before its callers are rejected. */
  sendRetry?: RetryOptions;
}

export interface PublisherStats {
  /** sendBatch calls made (successful or not). */
  sends: number;
  failedSends: number;
  /** Messages acknowledged by Kafka. */
  messages: number;
  queuedMessages: number;
}

interface PendingPublish {
  topic: string;
  messages: readonly OutgoingMessage[];
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const DEFAULTS = {
  lingerMs: 1,
  // Under 50 sends a second the publisher counts as idle: at that rate a linger of 1 ms gathers nothing.
  idleAfterMs: 20,
  maxQueuedMessages: 10_000,
  maxBatchMessages: 1_000,
  // Well under the broker's default message.max.bytes (1 MiB per partition batch).
  maxBatchBytes: 512 * 1024,
  // About 15 s in all: a broker restart is ridden out, a dead broker fails the callers instead of hanging them.
  sendRetry: { initialRetryTime: 100, maxRetryTime: 5_000, retries: 7 },
} satisfies Required<KafkaEventPublisherOptions>;

/**
 * One idempotent producer shared by the whole process. An idempotent kafkajs producer keeps one request in
 * flight, so one send per call caps near 1,000 messages/s; instead, calls that arrive while a send is in
 * flight (or within `lingerMs` of the first, while messages keep coming) are gathered into the next `sendBatch`,
 * and concurrent HTTP requests share a round trip. A publisher that has been idle for `idleAfterMs` sends its next
 * message without the linger (still gathering what arrives in the same I/O turn). Each caller's promise settles with
 * the send its messages were in.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly options: Required<KafkaEventPublisherOptions>;
  private readonly logger: Logger;
  private producer: Producer | undefined;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private readonly queue: PendingPublish[] = [];
  private queuedMessages = 0;
  private cancelLinger: (() => void) | undefined;
  private draining: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly counters = { sends: 0, failedSends: 0, messages: 0 };
  /** performance.now() when the last send began; undefined before the first. */
  private lastSendAt: number | undefined;

  constructor(
    private readonly kafka: Kafka,
    logger: Logger,
    options: KafkaEventPublisherOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.logger = logger.child({ component: 'kafka-publisher' });
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start a publisher that is ${this.state}`);
    this.producer = await this.connectProducer();
    this.state = 'running';
  }

  /** Inside a trace, each message carries the W3C `traceparent` of a `<topic> publish` span (kafka-tracing.ts). */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    return tracePublish(topic, messages, (traced) => this.enqueue(topic, traced));
  }

  private enqueue(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.state !== 'running') {
      return Promise.reject(new PublisherStoppedError(`the event publisher is ${this.state}; not publishing to ${topic}`));
    }
    if (messages.length === 0) return Promise.resolve();
    if (this.queuedMessages + messages.length > this.options.maxQueuedMessages) {
      return Promise.reject(
        new PublisherOverloadedError(
          `the event publisher has ${this.queuedMessages} messages waiting (limit ${this.options.maxQueuedMessages}); not publishing to ${topic}`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, bytes: sizeOf(messages), resolve, reject });
      this.queuedMessages += messages.length;
      this.schedule();
    });
  }

  /** Stops intake, sends what is queued, then disconnects. */
  stop(): Promise<void> {
    this.stopped ??= this.flushAndDisconnect();
    return this.stopped;
  }

  private async flushAndDisconnect(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.cancelLinger?.();
    this.cancelLinger = undefined;
    if (this.draining === undefined && this.queue.length > 0) this.startDrain();
    while (this.draining !== undefined) await this.draining;
    await this.producer?.disconnect();
    this.producer = undefined;
    this.state = 'stopped';
  }

  stats(): PublisherStats {
    return { ...this.counters, queuedMessages: this.queuedMessages };
  }

  private schedule(): void {
    // A running drain picks the queue up as soon as its current send is acknowledged.
    if (this.draining !== undefined || this.cancelLinger !== undefined) return;
    const fire = (): void => {
      this.cancelLinger = undefined;
      this.startDrain();
    };
    if (this.options.lingerMs === 0 || this.idle()) {
      const immediate = setImmediate(fire);
      this.cancelLinger = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(fire, this.options.lingerMs);
      this.cancelLinger = () => clearTimeout(timer);
    }
  }

  /** No send began within idleAfterMs. */
  private idle(): boolean {
    const { idleAfterMs } = this.options;
    return idleAfterMs > 0 && (this.lastSendAt === undefined || performance.now() - this.lastSendAt >= idleAfterMs);
  }

  private startDrain(): void {
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // A publish() that arrived between the drain's last check and now would otherwise wait forever.
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.send(this.takeBatch());
  }

  private takeBatch(): PendingPublish[] {
    const batch: PendingPublish[] = [];
    let messages = 0;
    let bytes = 0;
    for (const next of this.queue) {
      const fits =
        messages + next.messages.length <= this.options.maxBatchMessages && bytes + next.bytes <= this.options.maxBatchBytes;
      if (batch.length > 0 && !fits) break;
      batch.push(next);
      messages += next.messages.length;
      bytes += next.bytes;
    }
    this.queue.splice(0, batch.length);
    this.queuedMessages -= messages;
    return batch;
  }

  private async send(batch: PendingPublish[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, messages } of batch) {
      const list = byTopic.get(topic) ?? [];
      for (const message of messages) list.push(message);
      byTopic.set(topic, list);
    }
    const count = batch.reduce((sum, p) => sum + p.messages.length, 0);
    this.counters.sends += 1;
    this.lastSendAt = performance.now();
    for (const [topic, messages] of byTopic) kafkaPublishBatchSize.observe({ topic }, messages.length);
    const started = process.hrtime.bigint();
    const observeDuration = (): void => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (const topic of byTopic.keys()) kafkaPublishDuration.observe({ topic }, seconds);
    };
    try {
      this.producer ??= await this.connectProducer();
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      observeDuration();
      this.counters.messages += count;
      for (const pending of batch) pending.resolve();
    } catch (error) {
      observeDuration();
      this.counters.failedSends += 1;
      const topics = [...byTopic.keys()];
      this.logger.error({ err: error, topics, messages: count, callers: batch.length }, 'kafka_publish_failed');
      const failure = new PublishFailedError(`publishing ${count} messages to ${topics.join(', ')} failed: ${messageOf(error)}`, {
        cause: error,
      });
      for (const pending of batch) pending.reject(failure);
      await this.discardProducer();
    }
  }

  private async connectProducer(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Topics are created by the stack/terraform; auto-creation is off on the brokers anyway.
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: this.options.sendRetry,
    });
    await producer.connect();
    return producer;
  }

  /**
   * After a failed send, the messages may still have been written (a lost response). kafkajs would reuse
   * their sequence numbers for the next messages, which the broker would then drop as duplicates: a new
   * producer (a new producer id) starts clean. Retried requests stay safe: orderId dedupes downstream.
   */
  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    try {
      await producer?.disconnect();
    } catch (error) {
      this.logger.warn({ err: error }, 'kafka_producer_disconnect_failed');
    }
  }
}

function sizeOf(messages: readonly OutgoingMessage[]): number {
  // String length approximates bytes (exact for ASCII JSON); the bound only has to be safe, not exact.
  let bytes = 0;
  for (const m of messages) {
    bytes += m.key.length + m.value.length;
    if (m.headers !== undefined) for (const [k, v] of Object.entries(m.headers)) bytes += k.length + v.length;
  }
  return bytes;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

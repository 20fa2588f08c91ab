import type { Admin, Kafka } from 'kafkajs';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Logger } from '../logger';
import { startPeriodic } from '../periodic';
import { FAST_SECONDS_BUCKETS, metricsRegistry } from '../metrics/registry';

export const kafkaPublishDuration = new Histogram({
  name: 'oms_kafka_publish_duration_seconds',
  help: 'Time of one acknowledged or failed send (acks = all) of the event publisher, per topic in the send',
  labelNames: ['topic'] as const,
  buckets: FAST_SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

export const kafkaPublishBatchSize = new Histogram({
  name: 'oms_kafka_publish_batch_size',
  help: 'Messages per topic in one send of the event publisher',
  labelNames: ['topic'] as const,
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  registers: [metricsRegistry],
});

export const kafkaConsumerLag = new Gauge({
  name: 'oms_kafka_consumer_lag',
  help: "Messages of a partition not yet committed by a consumer group (high watermark - committed offset), refreshed every 15 s",
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});

export const kafkaMessagesConsumed = new Counter({
  name: 'oms_kafka_messages_consumed_total',
  help: 'Messages a consumer group handled (or dead-lettered)',
  labelNames: ['group', 'topic'] as const,
  registers: [metricsRegistry],
});

export const kafkaDeadLetters = new Counter({
  name: 'oms_kafka_dead_letters_total',
  help: 'Messages moved to a dead-letter topic, by the topic they came from',
  labelNames: ['topic'] as const,
  registers: [metricsRegistry],
});

export const CONSUMER_LAG_INTERVAL_MS = 15_000;

/**
 * Lag per partition: the high watermark minus the group's committed offset. A partition the group never committed
 * counts from its low watermark (everything still in the topic is unread). Offsets are strings (int64).
 */
export function consumerLag(
  ends: ReadonlyArray<{ partition: number; high: string; low: string }>,
  committed: ReadonlyArray<{ partition: number; offset: string }>,
): Array<{ partition: number; lag: number }> {
  const committedBy = new Map(committed.map((p) => [p.partition, BigInt(p.offset)]));
  return ends.map(({ partition, high, low }) => {
    const at = committedBy.get(partition);
    const from = at === undefined || at < 0n ? BigInt(low) : at;
    const lag = BigInt(high) - from;
    return { partition, lag: Number(lag < 0n ? 0n : lag) };
  });
}

export interface LagMonitor {
  /** One refresh now (the timer calls it every intervalMs). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Refreshes oms_kafka_consumer_lag of one group and topic every `intervalMs` (an unref'd timer: it never keeps the
 * process alive) with one admin client. A failed refresh is logged at debug and leaves the last values.
 */
export function startLagMonitor(options: { kafka: Kafka; groupId: string; topic: string; logger: Logger; intervalMs?: number }): LagMonitor {
  const { groupId, topic, logger } = options;
  let admin: Admin | undefined;
  let stopped = false;
  const refresh = async (): Promise<void> => {
    if (stopped) return;
    if (admin === undefined) {
      const created = options.kafka.admin();
      await created.connect();
      admin = created;
    }
    const [ends, groups] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const committed = groups.find((g) => g.topic === topic)?.partitions ?? [];
    for (const { partition, lag } of consumerLag(ends, committed)) kafkaConsumerLag.set({ group: groupId, topic, partition: String(partition) }, lag);
  };
  const periodic = startPeriodic(refresh, {
    intervalMs: options.intervalMs ?? CONSUMER_LAG_INTERVAL_MS,
    runAtStart: true,
    onError: (error) => logger.debug({ err: error, groupId, topic }, 'kafka_lag_refresh_failed'),
  });
  return {
    refresh,
    async stop() {
      stopped = true;
      await periodic.stop();
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
    },
  };
}

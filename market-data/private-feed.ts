import type { Redis } from 'ioredis';
import * as v from 'valibot';
import type { ExecutionReport } from '../domain/events';
import { PositionRecordSchema, positionsRedisKey, type PositionRecord, type PositionView } from '../domain/market-events';
import type { OrderView } from '../domain/order';
import { markPosition } from '../domain/position-view';
import type { Logger } from '../infra/logger';
import { privateOrdersChannel, type ChannelSink } from './channels';

/** Updates on an account's private channel (`orders:<accountId>`). */
export type PrivateUpdate = { kind: 'order'; report: ExecutionReport } | { kind: 'position'; position: PositionView };

/** What a client that subscribes to `orders` gets first. */
export interface PrivateSnapshot {
  orders: OrderView[];
  positions: PositionView[];
}

export interface PrivateFeedDeps {
  orders: { listOpen(accountId: string, limit: number): Promise<OrderView[]> };
  /** Reads the risk engine's position hashes. */
  redis: Pick<Redis, 'hgetall'>;
  /** The latest mark of a symbol (decimal string), or null when none is known. */
  mark: (symbol: string) => string | null;
  logger: Logger;
  /** Open orders in a snapshot. Default 500. */
  maxOrders?: number;
}

/** Remembered (orderId or account:symbol) versions, so a redelivery is not pushed twice; bounded, oldest forgotten. */
const MAX_REMEMBERED = 100_000;

/**
 * The private channel: each ExecutionReport of `executions` (the order view and the fill) and each position the
 * risk engine publishes on Redis `positions:<accountId>`, marked to the latest mark, go to that account's channel
 * only. A version a reader has already seen is not pushed again (Kafka redelivers, DESIGN.md: readers ignore
 * stale versions).
 */
export class PrivateFeed {
  private sink: ChannelSink | undefined;
  private readonly orderVersions = new Map<string, number>();
  private readonly positionVersions = new Map<string, number>();

  constructor(private readonly deps: PrivateFeedDeps) {}

  setSink(sink: ChannelSink | undefined): void {
    this.sink = sink;
  }

  handleExecution(report: ExecutionReport): void {
    if (!newer(this.orderVersions, report.orderId, report.version)) return;
    this.publish(report.accountId, { kind: 'order', report });
  }

  /** A message of the Redis pattern subscription `positions:*`: the PositionRecord JSON. */
  handlePositionMessage(channel: string, message: string): void {
    const record = this.parsePosition(message, channel);
    if (record === undefined) return;
    if (channel !== `positions:${record.accountId}`) {
      this.deps.logger.warn({ channel, accountId: record.accountId }, 'market_data.position_channel_mismatch');
      return;
    }
    if (!newer(this.positionVersions, `${record.accountId}:${record.symbol}`, record.version)) return;
    this.publish(record.accountId, { kind: 'position', position: markPosition(record, this.deps.mark(record.symbol)) });
  }

  async snapshot(accountId: string): Promise<PrivateSnapshot> {
    const [orders, hash] = await Promise.all([this.deps.orders.listOpen(accountId, this.deps.maxOrders ?? 500), this.deps.redis.hgetall(positionsRedisKey(accountId))]);
    const positions: PositionView[] = [];
    for (const [symbol, value] of Object.entries(hash)) {
      const record = this.parsePosition(value, `${positionsRedisKey(accountId)}#${symbol}`);
      if (record !== undefined && record.accountId === accountId) positions.push(markPosition(record, this.deps.mark(record.symbol)));
    }
    positions.sort((a, b) => a.symbol.localeCompare(b.symbol));
    return { orders, positions };
  }

  private publish(accountId: string, update: PrivateUpdate): void {
    this.sink?.publish(privateOrdersChannel(accountId), update);
  }

  private parsePosition(text: string, where: string): PositionRecord | undefined {
    try {
      const parsed = v.safeParse(PositionRecordSchema, JSON.parse(text));
      if (parsed.success) return parsed.output;
      this.deps.logger.warn({ where, issue: parsed.issues[0]?.message }, 'market_data.position_invalid');
    } catch (error) {
      this.deps.logger.warn({ where, err: error }, 'market_data.position_invalid');
    }
    return undefined;
  }
}

function newer(seen: Map<string, number>, key: string, version: number): boolean {
  const previous = seen.get(key);
  if (previous !== undefined && version <= previous) return false;
  // Re-inserted so the map's order is recency: the first key is the one to forget.
  seen.delete(key);
  seen.set(key, version);
  if (seen.size > MAX_REMEMBERED) seen.delete(seen.keys().next().value as string);
  return true;
}

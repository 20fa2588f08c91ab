import { ApplicationFailure } from '@temporalio/activity';
import { formatDecimal } from '../domain/decimal';
import { orderEventId, type ExecutionReport } from '../domain/events';
import { holdFor, type OrderStatus, type OrderView } from '../domain/order';
import type { SymbolRegistry } from '../domain/symbols';
import { parseDecimal } from '../domain/decimal';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import { TOPICS } from '../infra/kafka/topics';
import type { AccountStore } from '../infra/mongo/account-store';
import type { OrderStore } from '../infra/mongo/order-store';

export interface OrderActivitiesDeps {
  orders: OrderStore;
  accounts: AccountStore;
  publisher: EventPublisher;
  symbols: SymbolRegistry;
}

export interface RecordTransitionInput {
  order: OrderView;
  previousStatus: OrderStatus | null;
  reason?: string;
}

/**
 * The side effects of the order workflow. Every activity is idempotent, because Temporal retries
 * it after a crash or timeout: the store upserts by version, holds are keyed by orderId, and events
 * carry an id derived from (orderId, version) so readers drop a republished one.
 */
export function createOrderActivities(deps: OrderActivitiesDeps) {
  return {
    /** Persists one transition (versioned upsert + audit entry) and publishes it to `executions`. */
    async recordTransition(input: RecordTransitionInput): Promise<void> {
      const { order, previousStatus, reason } = input;
      await deps.orders.recordTransition(order, {
        previousStatus,
        eventType: 'ExecutionReport',
        occurredAt: order.updatedAt,
        ...(reason === undefined ? {} : { details: { reason } }),
      });
      const report: ExecutionReport = {
        eventId: orderEventId(order.orderId, order.version),
        eventType: 'ExecutionReport',
        occurredAt: order.updatedAt,
        version: order.version,
        orderId: order.orderId,
        accountId: order.accountId,
        status: order.status,
        previousStatus,
        order,
        ...(reason === undefined ? {} : { reason }),
      };
      await deps.publisher.publish(TOPICS.executions, [{ key: order.orderId, value: JSON.stringify(report) }]);
    },

    /** Checks the available balance and places the order's hold in one atomic, idempotent step. */
    async reserveFunds(order: OrderView): Promise<{ asset: string; amount: string }> {
      const spec = deps.symbols.get(order.symbol);
      if (!spec) throw ApplicationFailure.nonRetryable(`unknown symbol ${order.symbol}`, 'UNKNOWN_SYMBOL');
      const hold = holdFor(
        { side: order.side, type: order.type, quantity: parseDecimal(order.quantity), price: order.price === null ? null : parseDecimal(order.price) },
        spec,
      );
      if (!hold) {
        throw ApplicationFailure.nonRetryable(`no market price known to size a ${order.type} ${order.side} of ${order.symbol}`, 'MARKET_DATA_UNAVAILABLE');
      }
      const result = await deps.accounts.placeHold({ accountId: order.accountId, orderId: order.orderId, asset: hold.asset, amount: hold.amount });
      if (!result.ok) {
        const code = result.code === 'INSUFFICIENT_BALANCE' ? 'INSUFFICIENT_BALANCE' : 'NOT_FOUND';
        throw ApplicationFailure.nonRetryable(
          `${result.code}: ${hold.asset} available ${result.available}, required ${result.required}`,
          code,
          { asset: hold.asset, available: result.available, required: result.required },
        );
      }
      return { asset: hold.asset, amount: formatDecimal(hold.amount) };
    },

    /** Releases whatever the order still holds; releasing twice changes nothing. */
    async releaseFunds(input: { accountId: string; orderId: string }): Promise<void> {
      await deps.accounts.releaseHold(input);
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;

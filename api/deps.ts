import type { SymbolRegistry } from '../domain/symbols';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import type { Logger } from '../infra/logger';
import type { RiskClient } from '../infra/http/risk-client';
import type { ApiKeyStore } from '../infra/mongo/api-key-store';
import type { FillStore } from '../infra/mongo/fill-store';
import type { OrderStore } from '../infra/mongo/order-store';
import type { IdempotencyStore } from '../infra/redis/idempotency-store';
import type { PendingOrderCache } from '../infra/redis/pending-order-cache';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';
import type { DashboardDeps } from './routes/dashboard';

/** Everything the order API needs, passed in by its composition root (workers/api.ts) or a test. */
export interface ApiDeps {
  logger: Logger;
  orders: OrderStore;
  fills: Pick<FillStore, 'forOrder' | 'listForAccount'>;
  /** Balances and positions live in the risk engine. */
  risk: Pick<RiskClient, 'balances' | 'positions'>;
  apiKeys: Pick<ApiKeyStore, 'findAccountId'>;
  idempotency: IdempotencyStore;
  pendingOrders: PendingOrderCache;
  publisher: EventPublisher;
  /** The `orders` topic's name (config.kafka.topics). */
  ordersTopic: string;
  workflows: OrderWorkflowGateway;
  symbols: SymbolRegistry;
  maxBodyBytes: number;
  /** The Host names it answers to (config.http.allowedHosts); defaults to localhost. */
  allowedHosts?: readonly string[];
  idempotencyTtlSeconds: number;
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
  clock?: () => Date;
  /** Serves the browser dashboard at / when given (workers/api.ts does). */
  dashboard?: DashboardDeps;
}

import type { SymbolRegistry } from '../domain/symbols';
import type { DeadLetterQueues } from '../infra/kafka/dead-letters';
import type { EventPublisher } from '../infra/kafka/event-publisher';
import type { Logger } from '../infra/logger';
import type { RiskClient } from '../infra/http/risk-client';
import type { ApiKeyStore } from '../infra/mongo/api-key-store';
import type { AdminAuditStore } from '../infra/mongo/admin-audit-store';
import type { FillStore } from '../infra/mongo/fill-store';
import type { MongoOrderStore, OrderStore } from '../infra/mongo/order-store';
import type { IdempotencyStore } from '../infra/redis/idempotency-store';
import type { PendingOrderCache } from '../infra/redis/pending-order-cache';
import type { OrderWorkflowGateway } from '../infra/temporal/order-workflows';
import type { ApiRateLimits } from './rate-limit';
import type { DashboardDeps } from './routes/dashboard';

export interface AdminDeps {
  keyStore: Pick<ApiKeyStore, 'issueKey' | 'revokeKey'>;
  audit: AdminAuditStore;
  /** Drops the key from this process's cache and tells every other process (Redis pub/sub). */
  announceRevocation(keyId: string): Promise<void>;
  /** `oms_live_` in production, `oms_test_` otherwise (domain/api-key.ts issuedApiKeyPrefix). */
  issuedKeyPrefix: string;
  /** The kill switch's view of the orders store: an account's open orders, and which orders the store has at all. */
  orderIndex: Pick<MongoOrderStore, 'listOpen' | 'statusesOf'>;
}

/** Everything the order API needs, passed in by its composition root (workers/api.ts) or a test. */
export interface ApiDeps {
  logger: Logger;
  orders: OrderStore;
  fills: Pick<FillStore, 'forOrder' | 'listForAccount'>;
  /** Balances and positions live in the risk engine, and so do the admin's trading switches (account trading, symbol halts). */
  risk: Pick<RiskClient, 'balances' | 'positions' | 'setTrading' | 'setSymbolStatus'>;
  /**
   * Authentication (the cache in front of the store, api/api-key-cache.ts). answersFromMemory: whether a lookup
   * stays in memory; a lookup that may reach the store waits for the address check (rateLimits.beforeKeyLookup).
   */
  apiKeys: Pick<ApiKeyStore, 'findKey'> & { answersFromMemory?(rawKey: string): boolean };
  /** The admin routes: issuing and revoking keys, the audit, and telling every process about a revocation. */
  admin: AdminDeps;
  /** The dead-letter topics for the admin routes, and the topics by their plain names (topicsByBaseName). */
  dlq: { deadLetters: DeadLetterQueues; topics: ReadonlyMap<string, string> };
  idempotency: IdempotencyStore;
  pendingOrders: PendingOrderCache;
  publisher: EventPublisher;
  /** The `orders` topic's name (config.kafka.topics). */
  ordersTopic: string;
  workflows: Pick<OrderWorkflowGateway, 'requestCancel' | 'requestReconcile' | 'query'>;
  symbols: SymbolRegistry;
  maxBodyBytes: number;
  /** The Host names it answers to (config.http.allowedHosts); defaults to localhost. */
  allowedHosts?: readonly string[];
  idempotencyTtlSeconds: number;
  /** How long a POST waits for Kafka's acknowledgement before answering 503 (default DEFAULT_PUBLISH_TIMEOUT_MS). */
  publishTimeoutMs?: number;
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
  clock?: () => Date;
  /** Per address and per API key (api/rate-limit.ts); none when not given. */
  rateLimits?: ApiRateLimits;
  /** Serves the browser dashboard at / when given (workers/api.ts does). */
  dashboard?: DashboardDeps;
}

import type { CallerSecrets } from '../infra/http/internal-auth';
import type { SymbolRegistry } from '../domain/symbols';
import type { Logger } from '../infra/logger';
import type { AccountLedger } from '../infra/mongo/account-store';
import type { PositionMirror } from '../infra/redis/position-mirror';
import type { VenueOrderLookup } from './engine';
import type { MarkSource } from './price-book';
import type { SymbolStatusBook } from './symbol-status';

/** Everything the risk engine service needs, passed in by its composition root (workers/risk.ts) or a test. */
export interface RiskDeps {
  logger: Logger;
  accounts: AccountLedger;
  symbols: SymbolRegistry;
  /** The latest marks (a PriceBook fed by risk/price-feed.ts). */
  prices: MarkSource;
  /** Where positions are copied after each fill (Redis); best effort. */
  positionMirror: PositionMirror;
  /** The venue's answer about an order, asked before a hold is released (a VenueClient in production). */
  venueOrders: VenueOrderLookup;
  /** The symbols' trading status at runtime (halts), kept current from the store and Redis by the composition root. */
  symbolStatus: SymbolStatusBook;
  /** Tells every risk process that a symbol's stored status changed (Redis pub/sub), after this one stored and applied it. */
  announceSymbolStatus: (symbol: string) => Promise<void>;
  /** Defaults to `fees`. */
  feeAccountId?: string;
  /** Defaults to 16 KB; every body this service takes is a few hundred bytes. */
  maxBodyBytes?: number;
  /** Each caller's accepted secrets (internalCallerSecrets(config)): every route but the probes and the OpenAPI needs a signed call from a caller RISK_ROUTES, app.ts names. */
  internalAuth: { callers: CallerSecrets };
  /** The Host names it answers to (config.http.allowedHosts); defaults to localhost. */
  allowedHosts?: readonly string[];
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
  clock?: () => Date;
}

import type { SymbolRegistry } from '../domain/symbols';
import type { Logger } from '../infra/logger';
import type { AccountLedger } from '../infra/mongo/account-store';

/** Everything the risk engine service needs, passed in by its composition root (workers/risk.ts) or a test. */
export interface RiskDeps {
  logger: Logger;
  accounts: AccountLedger;
  symbols: SymbolRegistry;
  /** Defaults to `fees`. */
  feeAccountId?: string;
  /** Defaults to 16 KB; every body this service takes is a few hundred bytes. */
  maxBodyBytes?: number;
  /** Each dependency's name and a probe that resolves when it answers. */
  readiness: Record<string, () => Promise<void>>;
  clock?: () => Date;
}

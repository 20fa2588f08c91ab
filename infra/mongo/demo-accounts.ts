import { parseDecimal } from '../../domain/decimal';
import type { AccountStore } from './account-store';
import type { ApiKeyStore } from './api-key-store';

export const DEMO_ALICE = { accountId: 'demo-alice', name: 'Demo Alice', apiKey: 'demo-alice-key', role: 'trader' } as const;
export const DEMO_BOB = { accountId: 'demo-bob', name: 'Demo Bob', apiKey: 'demo-bob-key', role: 'trader' } as const;
/** The traders, funded with DEMO_BALANCES. */
export const DEMO_ACCOUNTS = [DEMO_ALICE, DEMO_BOB] as const;
/** The operations account and its admin key (issues and revokes keys); it holds no funds. */
export const DEMO_OPS = { accountId: 'ops', name: 'Operations', apiKey: 'demo-admin-key', role: 'admin' } as const;
/** Every demo key: public (README, tests, scripts), so they exist only in development and test. */
export const DEMO_API_KEYS: readonly string[] = Object.freeze([DEMO_ALICE.apiKey, DEMO_BOB.apiKey, DEMO_OPS.apiKey]);
/** Each demo account's starting balances, as decimal strings. */
export const DEMO_BALANCES: Readonly<Record<string, string>> = Object.freeze({ USD: '100000', BTC: '2' });

/**
 * Creates the demo accounts and their API keys when absent (an existing account keeps its balances).
 * The keys are public in the README, so production refuses them outright (and a production process refuses to
 * start while one is stored: workers/api-keys.ts).
 */
export async function seedDemoAccounts(deps: {
  accounts: AccountStore;
  apiKeys: ApiKeyStore;
  env: 'development' | 'test' | 'production';
}): Promise<void> {
  if (deps.env === 'production') throw new Error('refusing to seed demo accounts in production: their API keys are public');
  const balances = Object.fromEntries(Object.entries(DEMO_BALANCES).map(([asset, amount]) => [asset, parseDecimal(amount)]));
  for (const demo of DEMO_ACCOUNTS) {
    await deps.accounts.createAccount({ accountId: demo.accountId, name: demo.name, balances });
    await deps.apiKeys.addKey({ rawKey: demo.apiKey, accountId: demo.accountId, label: `${demo.name} (demo)`, role: demo.role, demo: true });
  }
  await deps.accounts.createAccount({ accountId: DEMO_OPS.accountId, name: DEMO_OPS.name, balances: {} });
  await deps.apiKeys.addKey({ rawKey: DEMO_OPS.apiKey, accountId: DEMO_OPS.accountId, label: `${DEMO_OPS.name} (demo admin)`, role: DEMO_OPS.role, demo: true });
}

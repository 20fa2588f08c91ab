import { parseDecimal } from '../domain/decimal';
import { VENUE_LIQUIDITY_ACCOUNT_ID, VENUE_MARKET_FLOW_ACCOUNT_ID } from '../domain/venue-events';
import type { AccountStore } from '../infra/mongo/account-store';

/**
 * The venue's own accounts stand for the rest of the market, so they open with balances far beyond anything
 * the simulated market trades with users, and pay no fees. Only their trades with users are settled here.
 */
const HOUSE_OPENING_BALANCES = { USD: parseDecimal('1000000000000'), BTC: parseDecimal('10000000'), ETH: parseDecimal('100000000') };

const HOUSE_ACCOUNTS = [
  { accountId: VENUE_LIQUIDITY_ACCOUNT_ID, name: 'Venue market maker (simulated)' },
  { accountId: VENUE_MARKET_FLOW_ACCOUNT_ID, name: 'Venue market flow (simulated)' },
] as const;

/** Creates the venue's accounts when absent; an existing one keeps its balances. Idempotent, run at every start. */
export async function ensureVenueHouseAccounts(accounts: Pick<AccountStore, 'createAccount'>): Promise<void> {
  for (const house of HOUSE_ACCOUNTS) {
    await accounts.createAccount({ ...house, balances: HOUSE_OPENING_BALANCES, fees: { makerBps: 0, takerBps: 0 } });
  }
}

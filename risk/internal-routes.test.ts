import pino from 'pino';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { createRiskApp, RISK_ROUTES } from './app';

/** RISK_ROUTES: who may call what on the risk engine (infra/http/internal-auth.ts enforces it). */
describe('the risk engine names its callers for every route it has', () => {
  it('one entry per route, no entry without one: the app is built (checkRouteTable throws otherwise)', () => {
    // Only the routes are read: the stores, prices and venue are never called.
    const unused = {} as never;
    const app = createRiskApp({
      logger: pino({ level: 'silent' }),
      symbols: new SymbolRegistry(DEFAULT_SYMBOLS),
      internalAuth: { callers: new Map([['worker', ['s']]]) },
      readiness: {},
      announceSymbolStatus: async () => undefined,
      accounts: unused,
      prices: unused,
      positionMirror: unused,
      venueOrders: unused,
      symbolStatus: unused,
    });
    expect(app.routes.some((r) => r.path === '/risk/orders/:orderId/hold')).toBe(true);
    expect(RISK_ROUTES).toHaveLength(7);
  });

  it('money moves only from the worker (hold, fills, release); the order API reads and switches', () => {
    for (const route of RISK_ROUTES.filter((r) => r.method === 'POST')) expect([route.path, route.callers]).toEqual([route.path, ['worker']]);
    for (const route of RISK_ROUTES.filter((r) => r.method !== 'POST')) expect([route.path, route.callers]).toEqual([route.path, ['api']]);
  });
});

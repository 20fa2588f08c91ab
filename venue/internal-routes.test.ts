import pino from 'pino';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import { createVenueApp, VENUE_ROUTES } from './app';

/** VENUE_ROUTES: who may call what on the venue (infra/http/internal-auth.ts enforces it). */
describe('the venue names its callers for every route it has', () => {
  it('one entry per route, no entry without one: the app is built (checkRouteTable throws otherwise)', () => {
    const app = createVenueApp({ logger: pino({ level: 'silent' }), venue: {} as never, symbols: new SymbolRegistry(DEFAULT_SYMBOLS), readiness: {}, internalAuth: { callers: new Map([['worker', ['s']]]) } });
    expect(app.routes.some((r) => r.path === '/venue/book/:symbol')).toBe(true);
    expect(VENUE_ROUTES).toHaveLength(4);
  });

  it('only the worker submits and cancels; market data reads only the book', () => {
    for (const route of VENUE_ROUTES.filter((r) => r.method === 'POST')) expect([route.path, route.callers]).toEqual([route.path, ['worker']]);
    expect(VENUE_ROUTES.filter((r) => r.callers.includes('market-data')).map((r) => r.path)).toEqual(['/venue/book/:symbol']);
  });
});

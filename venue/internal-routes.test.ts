import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { DEFAULT_SYMBOLS, SymbolRegistry } from '../domain/symbols';
import type { VenueOrder } from '../domain/venue-order';
import { createInternalSigner, routeCallers, type InternalSigner } from '../infra/http/internal-auth';
import { createVenueApp, VENUE_ROUTES, type VenueAppDeps } from './app';

/** VENUE_ROUTES: who may call what on the venue (infra/http/internal-auth.ts enforces it). */
describe('the venue names its callers for every route it has', () => {
  it('one entry per route, no entry without one: the app is built (checkRouteTable throws otherwise)', () => {
    const app = createVenueApp({ logger: pino({ level: 'silent' }), venue: {} as never, symbols: new SymbolRegistry(DEFAULT_SYMBOLS), readiness: {}, internalAuth: { callers: new Map([['worker', ['s']]]) } });
    expect(app.routes.some((r) => r.path === '/venue/book/:symbol')).toBe(true);
    expect(app.routes.some((r) => r.method === 'POST' && r.path === '/venue/orders/states')).toBe(true);
    expect(VENUE_ROUTES).toHaveLength(5);
  });

  it('only the worker submits, cancels and reads states in bulk; market data reads only the book', () => {
    for (const route of VENUE_ROUTES.filter((r) => r.method === 'POST')) expect([route.path, route.callers]).toEqual([route.path, ['worker']]);
    expect(VENUE_ROUTES.filter((r) => r.callers.includes('market-data')).map((r) => r.path)).toEqual(['/venue/book/:symbol']);
  });

  it('matches /venue/orders/states to its own entry: a POST is the bulk read, a GET reads an order of that name', () => {
    const callersOf = routeCallers(VENUE_ROUTES);
    expect(callersOf('POST', '/venue/orders/states')).toEqual(new Set(['worker']));
    expect(callersOf('GET', '/venue/orders/states')).toEqual(new Set(['worker', 'risk']));
    expect(callersOf('POST', '/venue/orders/states/cancel')).toEqual(new Set(['worker']));
    expect(callersOf('PUT', '/venue/orders/states')).toBeUndefined();
  });
});

const SECRETS = { worker: 'w'.repeat(40), risk: 'r'.repeat(40), 'market-data': 'm'.repeat(40) } as const;
const signerOf = (caller: keyof typeof SECRETS) => createInternalSigner({ caller, secrets: [SECRETS[caller]] });

/** An order as the venue answers it; only the fields these tests read differ. */
function venueOrder(orderId: string, status: VenueOrder['status']): VenueOrder {
  return {
    orderId,
    accountId: 'alice',
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    quantity: '1',
    price: '100',
    protectionPrice: null,
    timeInForce: 'GTC',
    postOnly: false,
    status,
    filledQuantity: '0',
    remaining: status === 'OPEN' ? '1' : '0',
    cancelledQuantity: status === 'OPEN' ? '0' : '1',
    reason: status === 'OPEN' ? null : 'USER',
    version: status === 'OPEN' ? 1 : 2,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:01.000Z',
    fills: [],
  };
}

/**
 * The venue's HTTP face in-process, signed like its callers, over a venue double that records what each route asked
 * of it: these tests are about routing, authorisation and input; venue.test.ts and venue.integration.test.ts test the
 * bulk read itself.
 */
function setup() {
  const calls: string[] = [];
  const venue: VenueAppDeps['venue'] = {
    submit: async (request) => {
      calls.push(`submit ${request.orderId}`);
      return { order: venueOrder(request.orderId, 'OPEN'), created: true };
    },
    cancel: async (orderId) => {
      calls.push(`cancel ${orderId}`);
      return venueOrder(orderId, 'CANCELLED');
    },
    getOrder: async (orderId) => {
      calls.push(`getOrder ${orderId}`);
      return venueOrder(orderId, 'OPEN');
    },
    orderStates: async (orderIds) => {
      calls.push(`orderStates ${orderIds.join(',')}`);
      return { orders: [{ orderId: orderIds[0]!, status: 'PARTIALLY_FILLED', filledQuantity: '0.25', version: 2, updatedAt: '2024-01-01T00:00:01.000Z' }], missing: orderIds.slice(1) };
    },
    book: async (symbol) => {
      calls.push(`book ${symbol}`);
      return { symbol, sequence: 1, bids: [], asks: [] };
    },
  };
  const app = createVenueApp({
    logger: pino({ level: 'silent' }),
    venue,
    symbols: new SymbolRegistry(DEFAULT_SYMBOLS),
    readiness: {},
    internalAuth: { callers: new Map(Object.entries(SECRETS).map(([caller, secret]) => [caller, [secret]])) },
  });
  const request = async (method: string, path: string, body?: string, signer: InternalSigner | null = signerOf('worker')) => {
    const headers = {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(signer === null ? {} : signer.headers({ method, pathWithQuery: path, body: body ?? '' })),
    };
    const response = await app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
    return { status: response.status, json: (await response.json()) as any };
  };
  return { app, calls, request };
}

const code = (answer: { status: number; json: any }) => [answer.status, answer.json?.error?.code];
const states = (orderIds: unknown) => JSON.stringify({ orderIds });

describe('POST /venue/orders/states', () => {
  it("answers the venue's bulk read as it is, and the order routes beside it still reach their own handlers", async () => {
    const { calls, request } = setup();
    expect(await request('POST', '/venue/orders/states', states(['o1', 'o2']))).toEqual({
      status: 200,
      json: { orders: [{ orderId: 'o1', status: 'PARTIALLY_FILLED', filledQuantity: '0.25', version: 2, updatedAt: '2024-01-01T00:00:01.000Z' }], missing: ['o2'] },
    });
    const submit = JSON.stringify({ orderId: 'states', accountId: 'alice', symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '1', price: '100', timeInForce: 'GTC', postOnly: false });
    expect(await request('POST', '/venue/orders', submit)).toMatchObject({ status: 200, json: { orderId: 'states', status: 'OPEN' } });
    // An order may be called "states": reading or cancelling it is not the bulk read.
    expect(await request('GET', '/venue/orders/states')).toMatchObject({ status: 200, json: { orderId: 'states' } });
    expect(await request('POST', '/venue/orders/states/cancel')).toMatchObject({ status: 200, json: { orderId: 'states', status: 'CANCELLED' } });
    expect(await request('GET', '/venue/orders/o9')).toMatchObject({ status: 200, json: { orderId: 'o9' } });
    expect(await request('POST', '/venue/orders/o9/cancel', '{"reason":"USER"}')).toMatchObject({ status: 200, json: { orderId: 'o9' } });
    expect(calls).toEqual(['orderStates o1,o2', 'submit states', 'getOrder states', 'cancel states', 'getOrder o9', 'cancel o9']);
    // Another method on the path: 405 naming what it has (GET, the order named "states", and POST, the bulk read).
    expect(await request('PUT', '/venue/orders/states', states(['o1']))).toMatchObject({ status: 405, json: { error: { code: 'METHOD_NOT_ALLOWED', details: { allow: expect.arrayContaining(['GET', 'POST']) } } } });
  });

  it('passes repeated ids on for the venue to answer once (a repeat counts toward the 500)', async () => {
    const { calls, request } = setup();
    expect((await request('POST', '/venue/orders/states', states(['o1', 'o2', 'o1']))).status).toBe(200);
    expect(calls).toEqual(['orderStates o1,o2,o1']);
  });

  it('takes 1 to 500 ids, and as many UUID order ids as the 16 KB body holds (400)', async () => {
    const { calls, request } = setup();
    const many = Array.from({ length: 500 }, (_, i) => `o${i}`);
    expect(await request('POST', '/venue/orders/states', states(many))).toMatchObject({ status: 200, json: { missing: many.slice(1) } });
    expect((await request('POST', '/venue/orders/states', states(['x:y.z_1-2'])))).toMatchObject({ status: 200 });
    const uuids = Array.from({ length: 400 }, () => randomUUID());
    expect((await request('POST', '/venue/orders/states', states(uuids))).status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  const refusals: Array<[string, string, number, string]> = [
    ['no ids', states([]), 400, 'VALIDATION_FAILED'],
    ['501 ids', states(Array.from({ length: 501 }, (_, i) => `o${i}`)), 400, 'VALIDATION_FAILED'],
    ['an id with a space', states(['o1', 'a b']), 400, 'VALIDATION_FAILED'],
    ['an empty id', states(['']), 400, 'VALIDATION_FAILED'],
    ['an id of 129 characters', states(['x'.repeat(129)]), 400, 'VALIDATION_FAILED'],
    ['a number for an id', states([1]), 400, 'VALIDATION_FAILED'],
    ['ids that are not a list', states('o1'), 400, 'VALIDATION_FAILED'],
    ['no orderIds', '{}', 400, 'VALIDATION_FAILED'],
    ['an unknown field', JSON.stringify({ orderIds: ['o1'], includeFills: true }), 400, 'VALIDATION_FAILED'],
    ['a list for a body', '["o1"]', 400, 'VALIDATION_FAILED'],
    ['a body that is not JSON', '{"orderIds":', 400, 'MALFORMED_JSON'],
    ['no body', '', 400, 'MALFORMED_JSON'],
    ['a body over 16 KB (500 ids of 128 characters)', states(Array.from({ length: 500 }, (_, i) => `${i}`.padEnd(128, 'x'))), 413, 'PAYLOAD_TOO_LARGE'],
  ];

  it.each(refusals)('refuses %s, asking the venue nothing', async (_what, body, status, errorCode) => {
    const { calls, request } = setup();
    const answer = await request('POST', '/venue/orders/states', body);
    expect(code(answer)).toEqual([status, errorCode]);
    expect(answer.json.error.message).toEqual(expect.any(String));
    expect(calls).toEqual([]);
  });

  it('serves the worker only: the risk engine and market data get 403, an unsigned call 401', async () => {
    const { calls, request } = setup();
    expect(code(await request('POST', '/venue/orders/states', states(['o1']), signerOf('risk')))).toEqual([403, 'FORBIDDEN']);
    expect(code(await request('POST', '/venue/orders/states', states(['o1']), signerOf('market-data')))).toEqual([403, 'FORBIDDEN']);
    expect(code(await request('POST', '/venue/orders/states', states(['o1']), null))).toEqual([401, 'UNAUTHENTICATED']);
    expect(calls).toEqual([]);
    // The risk engine still reads one order, as before.
    expect((await request('GET', '/venue/orders/o1', undefined, signerOf('risk'))).status).toBe(200);
  });

  it('is in the OpenAPI document with its body, answer, errors and caller', async () => {
    const { request } = setup();
    const operation = (await request('GET', '/openapi.json', undefined, null)).json.paths['/venue/orders/states'].post;
    expect(operation.summary).toEqual(expect.any(String));
    expect(operation['x-oms-callers']).toEqual(['worker']);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '413', '415', '503']);
    const body = operation.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({ type: 'object', required: ['orderIds'], properties: { orderIds: { type: 'array', minItems: 1, maxItems: 500 } } });
    const answer = operation.responses['200'].content['application/json'].schema;
    expect(answer).toMatchObject({ type: 'object', required: ['orders', 'missing'] });
    expect(answer.properties.orders.items).toMatchObject({
      required: ['orderId', 'status', 'filledQuantity', 'version', 'updatedAt'],
      properties: { status: { enum: ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED', 'REJECTED'] } },
    });
  });
});

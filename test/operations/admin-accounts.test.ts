import { COLLECTIONS } from '../../infra/mongo/client';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';

jest.setTimeout(120_000);

/**
 * The admin's switches on the real processes (API, worker, risk engine, venue without replay: orders rest): the kill
 * switch, an account's trading off and on, a symbol halted and resumed. Each route for success, bad input and a
 * non-admin key, and each call's record in admin_actions.
 */
describe('admin API: kill switch, account trading, symbol halts', () => {
  let system: TestSystem;
  let admin: { accountId: string; apiKey: string };
  let trader: { accountId: string; apiKey: string };

  const limit = (symbol: string, price: string, quantity = '0.01') => ({ symbol, side: 'BUY', type: 'LIMIT', quantity, price, timeInForce: 'GTC' });
  const place = async (who: { apiKey: string }, body: unknown): Promise<string> => {
    const placed = await system.placeOrder(who.apiKey, body);
    expect(placed.status).toBe(202);
    return placed.json.orderId as string;
  };
  const cancelAll = (accountId: string, query = '', apiKey = admin.apiKey) => system.request('POST', `/api/admin/accounts/${accountId}/cancel-all${query}`, { apiKey });
  const setTrading = (accountId: string, body: unknown, apiKey = admin.apiKey) => system.request('PUT', `/api/admin/accounts/${accountId}/trading`, { apiKey, body });
  const setStatus = (symbol: string, body: unknown, apiKey = admin.apiKey) => system.request('PUT', `/api/admin/symbols/${encodeURIComponent(symbol)}/status`, { apiKey, body });
  const audits = (action: string) => system.mongo.db.collection(COLLECTIONS.adminAudit).find({ action }).sort({ at: 1 }).toArray();

  beforeAll(async () => {
    system = await TestSystem.create('adminaccts');
    admin = await system.createAccount({}, { role: 'admin' });
    trader = await system.createAccount({ USD: '100000' });
    await system.startAll();
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  it('kill switch: cancels the open orders of one symbol, then every open order, also one whose workflow had not started; audited', async () => {
    const account = await system.createAccount({ USD: '100000' });
    const btc = [await place(account, limit('BTC-USD', '20000')), await place(account, limit('BTC-USD', '20001'))];
    const eth = await place(account, limit('ETH-USD', '1000'));
    for (const orderId of [...btc, eth]) await system.waitForStatus(account.apiKey, orderId, 'ACCEPTED');

    const ethOnly = await cancelAll(account.accountId, '?symbol=ETH/USD');
    expect(ethOnly.status).toBe(202);
    expect(ethOnly.json).toEqual({ accountId: account.accountId, symbol: 'ETH-USD', signalled: [eth], alreadyFinal: [], truncated: false });
    await system.waitForStatus(account.apiKey, eth, 'CANCELLED');
    for (const orderId of btc) expect((await system.request('GET', `/api/orders/${orderId}`, { apiKey: account.apiKey })).json.status).toBe('ACCEPTED');

    // With the worker down, an order placed now stays an OrderCreated in Kafka: no workflow, nothing in the store.
    expect(await system.worker!.stop()).toBe(0);
    const unstarted = await place(account, limit('BTC-USD', '20002'));
    expect(await system.orders.get(unstarted)).toBeNull();

    const all = await cancelAll(account.accountId);
    expect(all.status).toBe(202);
    expect([...all.json.signalled].sort()).toEqual([...btc, unstarted].sort());
    expect(all.json).toMatchObject({ symbol: null, alreadyFinal: [], truncated: false });

    await system.startWorker();
    for (const orderId of [...btc, unstarted]) await system.waitForStatus(account.apiKey, orderId, 'CANCELLED');
    // The unstarted order was cancelled before its risk check: it never held anything; the others released theirs.
    // (GET answers from the workflow until Mongo has it: NEW and CANCELLED are persisted together, in one batch.)
    const trail = await eventually('the unstarted order\'s trail in Mongo', async () => {
      const statuses = (await system.orders.events(unstarted)).map((e) => e.status);
      return statuses.length >= 2 ? statuses : undefined;
    });
    expect(trail).toEqual(['NEW', 'CANCELLED']);
    // Each says an admin ended it, not the trader.
    for (const orderId of [eth, ...btc, unstarted]) {
      expect((await system.request('GET', `/api/orders/${orderId}`, { apiKey: account.apiKey })).json.statusReason).toBe('ADMIN_CANCELLED');
    }
    expect(await system.balances(account.accountId)).toEqual({ USD: { total: '100000', available: '100000', held: '0' } });

    // Nothing open any more: a repeat signals nothing.
    expect((await cancelAll(account.accountId)).json).toMatchObject({ signalled: [] });

    const recorded = (await audits('account.cancel_all')).filter((a) => a.target.accountId === account.accountId);
    expect(recorded).toHaveLength(3);
    expect(recorded[0]).toMatchObject({ actor: { accountId: admin.accountId }, parameters: { symbol: 'ETH-USD' }, outcome: 'done', details: { signalled: [eth] } });
    expect([...(recorded[1]!.details.signalled as string[])].sort()).toEqual([...btc, unstarted].sort());
    expect(recorded[1]).toMatchObject({ parameters: { symbol: null }, outcome: 'done', requestId: expect.any(String), at: expect.any(String) });
  });

  it('kill switch: 400 for a bad account id, an unknown symbol or query parameter; 404 for an unknown account; 403 for a non-admin key', async () => {
    expect((await cancelAll('bad%20id')).json.error.code).toBe('VALIDATION_FAILED');
    expect(await cancelAll(trader.accountId, '?symbol=DOGE-USD')).toMatchObject({ status: 400, json: { error: { code: 'UNKNOWN_SYMBOL' } } });
    expect(await cancelAll(trader.accountId, '?symbol=')).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await cancelAll(trader.accountId, '?colour=blue')).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await cancelAll('nobody-here')).toMatchObject({ status: 404, json: { error: { code: 'ACCOUNT_NOT_FOUND' } } });
    expect(await cancelAll(trader.accountId, '', trader.apiKey)).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN' } } });
    expect((await audits('account.cancel_all')).filter((a) => a.target.accountId === 'nobody-here')).toMatchObject([{ outcome: 'not_found' }]);
  });

  it('trading off: a new order ends REJECTED ACCOUNT_DISABLED; back on: it is accepted; bad input 400, unknown account 404, non-admin 403; audited', async () => {
    const off = await setTrading(trader.accountId, { enabled: false });
    expect(off).toMatchObject({ status: 200, json: { accountId: trader.accountId, tradingEnabled: false, previouslyEnabled: true } });
    const refused = await place(trader, limit('BTC-USD', '20000'));
    expect(await system.waitForStatus(trader.apiKey, refused, 'REJECTED')).toMatchObject({ rejectReason: 'ACCOUNT_DISABLED' });

    expect((await setTrading(trader.accountId, { enabled: true })).json).toMatchObject({ tradingEnabled: true, previouslyEnabled: false });
    const accepted = await place(trader, limit('BTC-USD', '20000'));
    await system.waitForStatus(trader.apiKey, accepted, 'ACCEPTED');

    for (const body of [{ enabled: 'false' }, { enabled: 0 }, {}, { enabled: true, extra: 1 }]) {
      expect(await setTrading(trader.accountId, body)).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    }
    expect((await system.request('PUT', `/api/admin/accounts/${trader.accountId}/trading`, { apiKey: admin.apiKey, rawBody: '{' })).json.error.code).toBe('MALFORMED_JSON');
    expect((await setTrading('bad%20id', { enabled: false })).status).toBe(400);
    expect(await setTrading('nobody-here', { enabled: false })).toMatchObject({ status: 404, json: { error: { code: 'ACCOUNT_NOT_FOUND' } } });
    expect(await setTrading(trader.accountId, { enabled: false }, trader.apiKey)).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN' } } });

    const recorded = await audits('account.trading');
    expect(recorded.map((a) => [a.target.accountId, a.parameters.enabled, a.outcome])).toEqual([
      [trader.accountId, false, 'done'],
      [trader.accountId, true, 'done'],
      ['nobody-here', false, 'not_found'],
    ]);
    expect(recorded[0]).toMatchObject({ actor: { accountId: admin.accountId }, details: { previouslyEnabled: true } });
  });

  it('symbol halted: a new order ends REJECTED SYMBOL_HALTED while a resting one stays; resumed: accepted; bad input 400, non-admin 403; audited', async () => {
    const resting = await place(trader, limit('SOL-USD', '100', '1'));
    await system.waitForStatus(trader.apiKey, resting, 'ACCEPTED');

    const halted = await setStatus('SOL/USD', { status: 'HALTED' });
    expect(halted).toMatchObject({ status: 200, json: { symbol: 'SOL-USD', status: 'HALTED', previousStatus: 'TRADING' } });
    const refused = await place(trader, limit('SOL-USD', '100', '1'));
    expect(await system.waitForStatus(trader.apiKey, refused, 'REJECTED')).toMatchObject({ rejectReason: 'SYMBOL_HALTED' });
    expect((await system.request('GET', `/api/orders/${resting}`, { apiKey: trader.apiKey })).json.status).toBe('ACCEPTED');
    // Other symbols trade on.
    await system.waitForStatus(trader.apiKey, await place(trader, limit('BTC-USD', '20000')), 'ACCEPTED');

    expect((await setStatus('SOL-USD', { status: 'TRADING' })).json).toMatchObject({ status: 'TRADING', previousStatus: 'HALTED' });
    await system.waitForStatus(trader.apiKey, await place(trader, limit('SOL-USD', '100', '1')), 'ACCEPTED');
    expect((await system.request('GET', `/api/orders/${resting}`, { apiKey: trader.apiKey })).json.status).toBe('ACCEPTED');

    expect(await setStatus('DOGE-USD', { status: 'HALTED' })).toMatchObject({ status: 400, json: { error: { code: 'UNKNOWN_SYMBOL' } } });
    expect(await setStatus('SOL-USD', { status: 'PAUSED' })).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await setStatus('SOL-USD', { status: 'HALTED' }, trader.apiKey)).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN' } } });

    const recorded = await audits('symbol.status');
    expect(recorded.map((a) => [a.target.symbol, a.parameters.status, a.outcome, a.details.previousStatus])).toEqual([
      ['SOL-USD', 'HALTED', 'done', 'TRADING'],
      ['SOL-USD', 'TRADING', 'done', 'HALTED'],
    ]);
    expect(await system.mongo.db.collection('symbol_status').findOne({ _id: 'SOL-USD' as never })).toMatchObject({ status: 'TRADING' });
  });

  it('documents the routes under the admin tag', async () => {
    const doc = (await system.request('GET', '/openapi.json')).json;
    for (const [path, method] of [
      ['/api/admin/accounts/{accountId}/cancel-all', 'post'],
      ['/api/admin/accounts/{accountId}/trading', 'put'],
      ['/api/admin/symbols/{symbol}/status', 'put'],
    ] as const) {
      expect([path, doc.paths[path]?.[method]?.tags]).toEqual([path, ['admin']]);
      expect(Object.keys(doc.paths[path][method].responses)).toEqual(expect.arrayContaining(['400', '403']));
    }
  });
});

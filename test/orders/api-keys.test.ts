import { DEVELOPMENT_API_KEY_PEPPER } from '../../infra/config';
import { hashApiKey, legacyHashApiKey } from '../../infra/mongo/api-key-store';
import { COLLECTIONS } from '../../infra/mongo/client';
import { MarketDataTestProcess } from '../harness/market-data-test-process';
import { eventually } from '../harness/processes';
import { TestSystem } from '../harness/system';
import { WsTestClient } from '../harness/ws-test-client';

jest.setTimeout(60_000);

/**
 * API keys on the real processes: the order API (which issues and revokes them) and the market data process (which
 * checks them on its WebSocket), on one database and the run's Redis. Revocation crosses processes through Redis.
 */
describe('API keys: admin issuing and revoking, on the order API and market data', () => {
  let system: TestSystem;
  let md: MarketDataTestProcess;
  let admin: { accountId: string; apiKey: string; keyId: string };
  let trader: { accountId: string; apiKey: string; keyId: string };
  const clients: WsTestClient[] = [];

  const issue = (body: unknown, apiKey = admin.apiKey) => system.request('POST', '/api/admin/api-keys', { apiKey, body });
  const revoke = (keyId: string, apiKey = admin.apiKey) => system.request('DELETE', `/api/admin/api-keys/${keyId}`, { apiKey });
  const audit = () => system.mongo.db.collection(COLLECTIONS.adminAudit);
  const connect = async () => {
    const client = await WsTestClient.connect(`${md.baseUrl.replace('http', 'ws')}/ws/market-data`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    system = await TestSystem.create('apikeys');
    admin = await system.createAccount({}, { role: 'admin' });
    trader = await system.createAccount({ USD: '1000' });
    // The risk engine answers whether an account exists; market data only needs to serve its WebSocket.
    await Promise.all([system.startRisk(), system.startApi()]);
    md = await MarketDataTestProcess.create('apikeys', { MONGO_DB: system.env.MONGO_DB!, VENUE_URL: system.venueUrl, MARKET_DATA_BACKFILL_FILES: 'none' });
    await md.start('serving');
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    await md?.dispose();
    await system?.stop();
  }, 60_000);

  it('an admin issues a key for an account: returned once, random and prefixed, stored as HMAC under the pepper, audited, and it works', async () => {
    const response = await issue({ accountId: trader.accountId, label: 'market maker bot' });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const issued = response.json;
    expect(issued).toEqual({
      keyId: expect.stringMatching(/^ak_[0-9a-f]{24}$/),
      apiKey: expect.stringMatching(/^oms_test_[A-Za-z0-9_-]{43}$/),
      accountId: trader.accountId,
      role: 'trader',
      label: 'market maker bot',
      createdAt: expect.any(String),
    });
    expect((await issue({ accountId: trader.accountId, label: 'another' })).json.apiKey).not.toBe(issued.apiKey);

    const orders = await system.request('GET', '/api/orders', { apiKey: issued.apiKey });
    expect(orders.status).toBe(200);
    const balances = await system.request('GET', '/api/accounts/me/balances', { apiKey: issued.apiKey });
    expect(balances.json.accountId).toBe(trader.accountId);

    const stored = await system.mongo.db.collection(COLLECTIONS.apiKeys).findOne({ keyId: issued.keyId });
    expect(stored).toMatchObject({ _id: hashApiKey(issued.apiKey, DEVELOPMENT_API_KEY_PEPPER), accountId: trader.accountId, role: 'trader', scheme: 'hmac-sha256' });
    expect(stored?._id).not.toBe(legacyHashApiKey(issued.apiKey));
    expect(JSON.stringify(stored)).not.toContain(issued.apiKey);

    expect(await audit().findOne({ 'target.keyId': issued.keyId })).toMatchObject({
      action: 'api_key.issue',
      actor: { accountId: admin.accountId, keyId: admin.keyId },
      target: { keyId: issued.keyId, accountId: trader.accountId },
      at: expect.any(String),
      requestId: response.headers.get('x-request-id'),
      outcome: 'done',
    });

    const ws = await connect();
    expect(await ws.request({ op: 'auth', id: 'a', apiKey: issued.apiKey })).toEqual({ type: 'ack', id: 'a', op: 'auth', accountId: trader.accountId });
  });

  it('refuses a non-admin key with 403 FORBIDDEN on both admin routes, and audits and changes nothing', async () => {
    const keysBefore = await system.mongo.db.collection(COLLECTIONS.apiKeys).countDocuments();
    const auditBefore = await audit().countDocuments();
    const post = await issue({ accountId: trader.accountId, label: 'mine' }, trader.apiKey);
    expect([post.status, post.json.error.code]).toEqual([403, 'FORBIDDEN']);
    const del = await revoke(admin.keyId, trader.apiKey);
    expect([del.status, del.json.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await system.mongo.db.collection(COLLECTIONS.apiKeys).countDocuments()).toBe(keysBefore);
    expect(await audit().countDocuments()).toBe(auditBefore);
    expect((await system.request('GET', '/api/orders', { apiKey: admin.apiKey })).status).toBe(200);
  });

  it('refuses bad bodies with 400, an unknown account with 404, and bad or unknown key ids', async () => {
    const keysBefore = await system.mongo.db.collection(COLLECTIONS.apiKeys).countDocuments();
    const bad: Array<[unknown, string]> = [
      [{ label: 'no account' }, 'VALIDATION_FAILED'],
      [{ accountId: trader.accountId }, 'VALIDATION_FAILED'],
      [{ accountId: trader.accountId, label: 'x', role: 'root' }, 'VALIDATION_FAILED'],
      [{ accountId: trader.accountId, label: 'x', extra: true }, 'VALIDATION_FAILED'],
      [{ accountId: 'has spaces', label: 'x' }, 'VALIDATION_FAILED'],
      [{ accountId: trader.accountId, label: 'y'.repeat(101) }, 'VALIDATION_FAILED'],
      [{ accountId: trader.accountId, label: '' }, 'VALIDATION_FAILED'],
      [[], 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of bad) {
      const response = await issue(body);
      expect([JSON.stringify(body), response.status, response.json.error.code]).toEqual([JSON.stringify(body), 400, code]);
    }
    const malformed = await system.request('POST', '/api/admin/api-keys', { apiKey: admin.apiKey, rawBody: '{"accountId":' });
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'MALFORMED_JSON']);
    const unknown = await issue({ accountId: 'acct-nobody', label: 'x' });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
    expect(await system.mongo.db.collection(COLLECTIONS.apiKeys).countDocuments()).toBe(keysBefore);

    const badId = await revoke('not-a-key-id');
    expect([badId.status, badId.json.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const noSuch = await revoke('ak_000000000000000000000000');
    expect([noSuch.status, noSuch.json.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('refuses malformed and over-long keys with the same 401 as an unknown key', async () => {
    for (const key of ['x'.repeat(129), 'k'.repeat(8_000), 'semi;colon', 'short']) {
      const response = await system.request('GET', '/api/orders', { headers: { 'X-API-Key': key } });
      expect([response.status, response.json.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
    const ws = await connect();
    expect(await ws.request({ op: 'auth', id: 'long', apiKey: 'y'.repeat(200) })).toMatchObject({ type: 'error', id: 'long', code: 'UNAUTHENTICATED' });
  });

  it('revocation: within a second the key stops working on the API and on market data, and its open WebSocket session is closed with 4001', async () => {
    const issued = (await issue({ accountId: trader.accountId, label: 'to revoke' })).json as { keyId: string; apiKey: string };
    // Both processes have the key cached: the API from a request, market data from an auth.
    expect((await system.request('GET', '/api/orders', { apiKey: issued.apiKey })).status).toBe(200);
    const session = await connect();
    expect(await session.request({ op: 'auth', id: 'a', apiKey: issued.apiKey })).toMatchObject({ type: 'ack', accountId: trader.accountId });
    expect(await session.request({ op: 'subscribe', id: 's', channels: ['orders'] })).toMatchObject({ type: 'ack' });
    // A session of the same account on another key stays.
    const bystander = await connect();
    expect(await bystander.request({ op: 'auth', id: 'a', apiKey: trader.apiKey })).toMatchObject({ type: 'ack' });

    const revoked = await revoke(issued.keyId);
    const at = Date.now();
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ keyId: issued.keyId, accountId: trader.accountId, role: 'trader', revokedAt: expect.any(String) });

    expect(await session.closed).toEqual({ code: 4001, reason: 'api key revoked' });
    const afterApi = await eventually('the API to refuse the revoked key', async () => ((await system.request('GET', '/api/orders', { apiKey: issued.apiKey })).status === 401 ? Date.now() : undefined), 1_000, 20);
    const fresh = await connect();
    expect(await fresh.request({ op: 'auth', id: 'again', apiKey: issued.apiKey })).toMatchObject({ type: 'error', id: 'again', code: 'UNAUTHENTICATED' });
    expect(Math.max(afterApi, Date.now()) - at).toBeLessThan(1_000);

    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    expect(await bystander.request({ op: 'ping', id: 'p' })).toEqual({ type: 'pong', id: 'p' });
    expect((await system.request('GET', '/api/orders', { apiKey: trader.apiKey })).status).toBe(200);

    // Idempotent: the first revocation's time is kept; both are audited.
    expect((await revoke(issued.keyId)).json.revokedAt).toBe(revoked.json.revokedAt);
    expect(await audit().find({ 'target.keyId': issued.keyId, action: 'api_key.revoke' }).toArray()).toEqual([
      expect.objectContaining({ actor: { accountId: admin.accountId, keyId: admin.keyId }, target: { keyId: issued.keyId, accountId: trader.accountId }, outcome: 'done' }),
      expect.objectContaining({ outcome: 'done' }),
    ]);
  });
});

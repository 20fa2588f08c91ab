import { eventually } from '../test/harness/processes';
import { RiskTestApp } from '../test/harness/risk-test-app';

jest.setTimeout(30_000);

/** The admin's switches as the risk engine owns them: an account's trading, a symbol's halt at runtime (real store, real Redis). */
describe('risk engine trading controls (real store, real Redis)', () => {
  let risk: RiskTestApp;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
  });
  afterAll(async () => {
    await risk?.stop();
  });

  const buy = (accountId: string, symbol = 'BTC-USD') => ({ accountId, symbol, side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '10000' });
  const setTrading = (accountId: string, body: unknown) => risk.request('PUT', `/risk/accounts/${accountId}/trading`, body);
  const setStatus = (symbol: string, body: unknown, app = risk.app) => risk.request('PUT', `/risk/symbols/${encodeURIComponent(symbol)}/status`, body, { app });

  it('refuses every new hold ACCOUNT_DISABLED while the account is off, keeps existing holds, and holds again once on', async () => {
    const accountId = await risk.createAccount('switch', { USD: '1000' });
    expect((await risk.hold('o-before', buy(accountId))).status).toBe(200);

    const off = await setTrading(accountId, { enabled: false });
    expect(off).toMatchObject({ status: 200, json: { accountId, tradingEnabled: false, previouslyEnabled: true } });
    expect(typeof off.json.changedAt).toBe('string');
    const refused = await risk.hold('o-during', buy(accountId));
    expect(refused).toMatchObject({ status: 422, json: { error: { code: 'ACCOUNT_DISABLED', details: { accountId } } } });
    // The hold placed before stays, and its repeat still answers it (an activity retry must not turn it into a refusal).
    expect((await risk.hold('o-before', buy(accountId))).json).toMatchObject({ alreadyHeld: true });
    expect(await risk.balances(accountId)).toEqual({ USD: { total: '1000', available: '899.8', held: '100.2' } });
    // A repeat changes nothing and says so.
    expect((await setTrading(accountId, { enabled: false })).json).toMatchObject({ tradingEnabled: false, previouslyEnabled: false });

    expect((await setTrading(accountId, { enabled: true })).json).toMatchObject({ tradingEnabled: true, previouslyEnabled: false });
    expect((await risk.hold('o-after', buy(accountId))).status).toBe(200);
  });

  it('answers 404 for an unknown account and 400 for a body that is not { enabled: boolean }', async () => {
    expect(await setTrading('nobody-here', { enabled: false })).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
    const accountId = await risk.createAccount('bad', { USD: '1' });
    for (const body of [{ enabled: 'false' }, {}, { enabled: false, extra: 1 }]) {
      expect((await setTrading(accountId, body)).json.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await risk.request('PUT', `/risk/accounts/${accountId}/trading`, undefined, { raw: '{' })).json.error.code).toBe('MALFORMED_JSON');
  });

  it('refuses an unsigned call to the switches (they are internal)', async () => {
    const accountId = await risk.createAccount('unsigned', { USD: '1' });
    expect((await risk.request('PUT', `/risk/accounts/${accountId}/trading`, { enabled: false }, { signer: null })).status).toBe(401);
    expect((await risk.request('PUT', '/risk/symbols/BTC-USD/status', { status: 'HALTED' }, { signer: null })).status).toBe(401);
  });

  it('halts a symbol in this process at once and in another risk process within a second; holds of other symbols and fills go on; resumes', async () => {
    const other = await risk.startSymbolStatus();
    const otherApp = risk.appWith(risk.symbols, { symbolStatus: other });
    const accountId = await risk.createAccount('halt', { USD: '10000' });
    expect((await risk.hold('h-resting', buy(accountId, 'SOL-USD'))).json).toMatchObject({ asset: 'USD' });

    const halted = await setStatus('SOL/USD', { status: 'HALTED' });
    expect(halted).toMatchObject({ status: 200, json: { symbol: 'SOL-USD', status: 'HALTED', previousStatus: 'TRADING' } });
    expect(await risk.hold('h-1', buy(accountId, 'SOL-USD'))).toMatchObject({ status: 422, json: { error: { code: 'SYMBOL_HALTED', details: { symbol: 'SOL-USD' } } } });
    const started = Date.now();
    let attempt = 0;
    // A new order id each time: a repeat of one that was held answers its hold.
    await eventually('the other process to refuse SOL-USD', async () => ((await risk.hold(`h-2-${attempt++}`, buy(accountId, 'SOL-USD'), otherApp)).status === 422 ? true : undefined), 5_000, 20);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await risk.hold('h-3', buy(accountId, 'BTC-USD'), otherApp)).status).toBe(200);
    // A retried check of the order held before the halt answers its hold, and its fill still settles.
    expect((await risk.hold('h-resting', buy(accountId, 'SOL-USD'))).json).toMatchObject({ alreadyHeld: true });
    const fill = await risk.fill('h-resting', { fillId: 'f-1', accountId, symbol: 'SOL-USD', side: 'BUY', quantity: '0.01', price: '10000', liquidity: 'MAKER' });
    expect(fill.status).toBe(200);

    // A process that starts later reads the store.
    const later = risk.appWith(risk.symbols, { symbolStatus: await risk.startSymbolStatus() });
    expect((await risk.hold('h-4', buy(accountId, 'SOL-USD'), later)).json.error.code).toBe('SYMBOL_HALTED');

    expect((await setStatus('SOL-USD', { status: 'TRADING' }, otherApp)).json).toMatchObject({ status: 'TRADING', previousStatus: 'HALTED' });
    await eventually('this process to hold SOL-USD again', async () => ((await risk.hold('h-5', buy(accountId, 'SOL-USD'))).status === 200 ? true : undefined), 5_000, 20);
  });

  it('reloads every status when its subscription comes back (an announcement missed while Redis was away)', async () => {
    const other = await risk.startSymbolStatus();
    const otherApp = risk.appWith(risk.symbols, { symbolStatus: other });
    const accountId = await risk.createAccount('missed', { USD: '10000' });
    // Stored without an announcement, as if the message was published while the other process was disconnected.
    await risk.db.collection('symbol_status').updateOne({ _id: 'ETH-USD' as never }, { $set: { status: 'HALTED', updatedAt: new Date().toISOString() } }, { upsert: true });
    expect((await risk.hold('m-1', buy(accountId, 'ETH-USD'), otherApp)).status).toBe(200);
    // The subscriber's connection drops and comes back: ioredis resubscribes and emits ready.
    const subscriber = risk.statusRuntimes.at(-1)!.subscriber;
    subscriber.disconnect(true);
    let attempt = 0;
    await eventually('the other process to reload ETH-USD as halted', async () => ((await risk.hold(`m-2-${attempt++}`, buy(accountId, 'ETH-USD'), otherApp)).status === 422 ? true : undefined), 10_000, 50);
    await setStatus('ETH-USD', { status: 'TRADING' });
  });

  it('answers 400 UNKNOWN_SYMBOL for an unknown symbol and VALIDATION_FAILED for a bad status', async () => {
    expect((await setStatus('DOGE-USD', { status: 'HALTED' })).json.error.code).toBe('UNKNOWN_SYMBOL');
    expect((await setStatus('BTC-USD', { status: 'halted' })).json.error.code).toBe('VALIDATION_FAILED');
    expect((await setStatus('BTC-USD', { status: 'PAUSED' })).status).toBe(400);
  });
});

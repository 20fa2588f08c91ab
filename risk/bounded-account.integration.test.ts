import { BSON } from 'mongodb';
import { COLLECTIONS } from '../infra/mongo/client';
import { RiskTestApp } from '../test/harness/risk-test-app';

jest.setTimeout(300_000);

/*
 * The account document keeps balances, holds, positions and limits only (issue 11): each fill's settlement record
 * lives in `account_fills` (unique per account and fillId), so the document's size does not grow with history,
 * while a repeated fillId is still applied once.
 */
describe('bounded account documents (real store)', () => {
  let risk: RiskTestApp;

  beforeAll(async () => {
    risk = await RiskTestApp.start();
  });
  afterAll(async () => {
    await risk?.stop();
  });

  const accountDocSize = async (accountId: string) => BSON.calculateObjectSize((await risk.db.collection(COLLECTIONS.accounts).findOne({ _id: accountId as never }))!);
  const fill = (accountId: string, i: number) => ({ fillId: `f-${i}`, accountId, symbol: 'BTC-USD', side: 'BUY', quantity: '0.001', price: '100', liquidity: i % 2 === 0 ? 'MAKER' : 'TAKER' });

  it('settles 2,000 fills on one account with the document size flat; each fill is recorded once in its own collection and a repeat changes nothing', async () => {
    const accountId = await risk.createAccount('busy', { USD: '1000' });
    expect((await risk.hold('o-big', { accountId, symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '2', price: '100' })).status).toBe(200);
    const sizes: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const response = await risk.fill('o-big', fill(accountId, i));
      expect(response.status).toBe(200);
      if (i === 99 || i === 999 || i === 1_999) sizes.push(await accountDocSize(accountId));
    }
    // Decimal strings of balances and the position change length by a few characters; history adds nothing.
    // (Before: about 400 bytes more per fill, 800 KB after these.)
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(64);
    expect(Math.max(...sizes)).toBeLessThan(4_096);
    expect(await risk.db.collection(COLLECTIONS.accountFills).countDocuments({ accountId })).toBe(2_000);
    expect(await risk.balances(accountId)).toMatchObject({ BTC: { total: '2' } });

    const before = await risk.balances(accountId);
    expect((await risk.fill('o-big', fill(accountId, 7))).json).toMatchObject({ applied: false });
    expect((await risk.fill('o-big', { ...fill(accountId, 7), quantity: '0.002' })).json.error.code).toBe('DUPLICATE_FILL');
    expect(await risk.balances(accountId)).toEqual(before);
  });

  it('migrates the fills of documents written before, idempotently; a migrated fill is still recognised as applied', async () => {
    const accountId = await risk.createAccount('old', { USD: '1000' });
    await risk.hold('o-old', { accountId, symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '100' });
    const applied = await risk.fill('o-old', fill(accountId, 1));
    // The document as the old code left it: the record inside, none in the collection.
    const { record } = (await risk.db.collection(COLLECTIONS.accountFills).findOne({ accountId, fillId: 'f-1' }))!;
    await risk.db.collection(COLLECTIONS.accountFills).deleteMany({ accountId });
    await risk.db.collection(COLLECTIONS.accounts).updateOne({ _id: accountId as never }, { $set: { 'fills.f-1': record, 'fills.f-legacy': { ...record, orderId: 'o-legacy' } } });

    expect(await risk.store.migrateFillsOut()).toBe(2);
    expect(await risk.store.migrateFillsOut()).toBe(0);
    const doc = await risk.db.collection(COLLECTIONS.accounts).findOne({ _id: accountId as never });
    expect(doc!.fills ?? {}).toEqual({});
    expect(await risk.db.collection(COLLECTIONS.accountFills).countDocuments({ accountId })).toBe(2);

    const balances = await risk.balances(accountId);
    expect((await risk.fill('o-old', fill(accountId, 1))).json).toEqual({ ...applied.json, applied: false });
    expect(await risk.balances(accountId)).toEqual(balances);
  });

  it('completes a settlement whose archive a crash interrupted: the record in the document is moved out by the retry, applied once', async () => {
    const accountId = await risk.createAccount('crash', { USD: '1000' });
    await risk.hold('o-c', { accountId, symbol: 'BTC-USD', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '100' });
    await risk.fill('o-c', fill(accountId, 1));
    const { record } = (await risk.db.collection(COLLECTIONS.accountFills).findOne({ accountId, fillId: 'f-1' }))!;
    // What a crash after the account update and before the archive leaves: the record only in the document.
    await risk.db.collection(COLLECTIONS.accountFills).deleteMany({ accountId });
    await risk.db.collection(COLLECTIONS.accounts).updateOne({ _id: accountId as never }, { $set: { 'fills.f-1': record } });
    const balances = await risk.balances(accountId);

    expect((await risk.fill('o-c', fill(accountId, 1))).json).toMatchObject({ applied: false });
    expect(await risk.balances(accountId)).toEqual(balances);
    expect((await risk.db.collection(COLLECTIONS.accounts).findOne({ _id: accountId as never }))!.fills ?? {}).toEqual({});
    expect(await risk.db.collection(COLLECTIONS.accountFills).countDocuments({ accountId })).toBe(1);
  });
});

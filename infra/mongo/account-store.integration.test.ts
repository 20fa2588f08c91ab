import type { Db, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import type { Account } from '../../domain/account';
import { parseDecimal } from '../../domain/decimal';
import { loadConfig } from '../config';
import { MongoAccountStore } from './account-store';
import { COLLECTIONS, connectMongo, ensureIndexes } from './client';

const d = parseDecimal;

describe('MongoAccountStore (real store)', () => {
  const dbName = `test_${randomUUID().slice(0, 8)}`;
  let client: MongoClient | undefined;
  let db: Db;
  let store: MongoAccountStore;

  beforeAll(async () => {
    ({ client, db } = await connectMongo({ url: loadConfig().mongo.url, db: dbName }));
    await ensureIndexes(db);
    store = new MongoAccountStore(db);
  });
  afterAll(async () => {
    // Guarded: when connecting failed, the connection error is the one worth reading.
    if (client === undefined) return;
    await db.dropDatabase();
    await client.close();
  });

  const rawAccount = (accountId: string) => db.collection(COLLECTIONS.accounts).findOne({ _id: accountId as never });

  it('creates an account once; a second create leaves it untouched', async () => {
    expect(await store.createAccount({ accountId: 'a-create', name: 'A', balances: { USD: d('100.5'), BTC: d('0.00000001') } })).toEqual({ created: true });
    expect(await store.createAccount({ accountId: 'a-create', name: 'changed', balances: { USD: d('1') } })).toEqual({ created: false });

    expect(await store.getBalances('a-create')).toEqual([
      { asset: 'BTC', total: '0.00000001', available: '0.00000001', held: '0' },
      { asset: 'USD', total: '100.5', available: '100.5', held: '0' },
    ]);
    expect(await rawAccount('a-create')).toMatchObject({ name: 'A', holds: {}, version: 1, balances: { USD: { total: '100.5', held: '0' } } });
    expect(await store.getBalances('missing')).toBeNull();
  });

  describe('updateAccount and the risk fields', () => {
    it('applies a decision as field-level changes: set and remove holds, add fills and pending fees', async () => {
      await store.createAccount({ accountId: 'u-1', name: 'U', balances: { USD: d('100') } });
      const result = await store.updateAccount('u-1', (account) => {
        expect(account).toMatchObject({ accountId: 'u-1', name: 'U', balances: { USD: { total: d('100'), held: 0n } }, holds: {}, fills: {}, feeSeq: 0 });
        return {
          result: 'done',
          changes: {
            balances: { USD: { total: d('100'), held: d('30') }, BTC: { total: d('0.5'), held: 0n } },
            holds: { 'o-1': { asset: 'USD', amount: d('30'), symbol: 'BTC-USD', side: 'BUY', openQuantity: d('0.001') } },
            pendingFees: { 'f-1': { seq: 1, asset: 'USD', amount: d('0.02') } },
            feeSeq: 1,
          },
        };
      });
      expect(result).toBe('done');
      const raw = await rawAccount('u-1');
      expect(raw).toMatchObject({
        version: 2,
        balances: { USD: { total: '100', held: '30' }, BTC: { total: '0.5', held: '0' } },
        holds: { 'o-1': { asset: 'USD', amount: '30', symbol: 'BTC-USD', side: 'BUY', openQuantity: '0.001' } },
        pendingFees: { 'f-1': { seq: 1, asset: 'USD', amount: '0.02' } },
        feeSeq: 1,
      });

      await store.updateAccount('u-1', () => ({ result: null, changes: { holds: { 'o-1': null }, pendingFees: { 'f-1': null } } }));
      expect(await rawAccount('u-1')).toMatchObject({ version: 3, holds: {}, pendingFees: {} });
      // A decision without changes writes nothing.
      await store.updateAccount('u-1', () => ({ result: null, changes: {} }));
      expect((await rawAccount('u-1'))?.version).toBe(3);
    });

    it("stores positions per symbol and a MARKET hold's protection price as decimal strings, and reads them back exactly", async () => {
      await store.createAccount({ accountId: 'u-pos', name: 'P', balances: {} });
      const position = { quantity: d('-0.1'), cost: d('-2900.000000000000000001'), realizedPnl: d('-30'), version: 4, updatedAt: '2026-01-01T00:00:00.000Z' };
      const hold = { asset: 'USD', amount: d('30'), symbol: 'BTC-USD', side: 'BUY' as const, openQuantity: d('0.001'), protectionPrice: d('30600') };
      await store.updateAccount('u-pos', () => ({ result: null, changes: { positions: { 'BTC-USD': position }, holds: { 'o-m': hold } } }));
      expect(await rawAccount('u-pos')).toMatchObject({
        positions: { 'BTC-USD': { quantity: '-0.1', cost: '-2900.000000000000000001', realizedPnl: '-30', version: 4, updatedAt: '2026-01-01T00:00:00.000Z' } },
        holds: { 'o-m': { protectionPrice: '30600' } },
      });
      expect(await store.getAccount('u-pos')).toMatchObject({ positions: { 'BTC-USD': position }, holds: { 'o-m': hold } });
      // A decision reads them too (the projection that picks fill records keeps every other field).
      expect(await store.updateAccount('u-pos', (account) => ({ result: account?.positions }), { fills: ['f-1'] })).toEqual({ 'BTC-USD': position });
    });

    it('loads only the fill records asked for', async () => {
      await store.createAccount({ accountId: 'u-fills', name: 'F', balances: {} });
      const record = (orderId: string) => ({
        orderId,
        symbol: 'BTC-USD',
        side: 'BUY' as const,
        quantity: '1',
        price: '1',
        liquidity: 'TAKER' as const,
        fee: { asset: 'USD', amount: '0' },
        balances: [],
      });
      await store.updateAccount('u-fills', () => ({ result: null, changes: { fills: { 'f-1': record('o-1'), 'f-2': record('o-2') } } }));
      const seen = await store.updateAccount('u-fills', (account) => ({ result: account?.fills }), { fills: ['f-2', 'f-3'] });
      expect(seen).toEqual({ 'f-2': record('o-2') });
      expect((await store.getAccount('u-fills'))?.fills).toEqual({});
    });

    it('creates the account on demand when asked, once, however many writers race', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.updateAccount(
            'u-fees',
            (account) => {
              const usd = account!.balances.USD ?? { total: 0n, held: 0n };
              return { result: account!.name, changes: { balances: { USD: { total: usd.total + d('1'), held: 0n } }, feeCursors: { [`t-${i}`]: 1 } } };
            },
            { createAs: 'Fees' },
          ),
        ),
      );
      expect(results).toEqual(Array(10).fill('Fees'));
      expect(await store.getBalances('u-fees')).toEqual([{ asset: 'USD', total: '10', available: '10', held: '0' }]);
      expect(Object.keys((await store.getAccount('u-fees'))!.feeCursors)).toHaveLength(10);
      // Without createAs a missing account is null to the decision, and nothing is created.
      expect(await store.updateAccount('u-missing', (account) => ({ result: account }))).toBeNull();
      expect(await rawAccount('u-missing')).toBeNull();
    });

    it('commits the updates of one account that wait behind each other as one compare-and-set, each decided on the ones before', async () => {
      await store.createAccount({ accountId: 'u-group', name: 'G', balances: { USD: d('1000') } });
      const holdOf = (i: number) => (account: Account | null) => {
        const usd = account!.balances.USD!;
        return { result: usd.held, changes: { balances: { USD: { total: usd.total, held: usd.held + d('1') } }, holds: { [`o-${i}`]: { asset: 'USD', amount: d('1') } } } };
      };
      const seen = await Promise.all(Array.from({ length: 40 }, (_, i) => store.updateAccount('u-group', holdOf(i))));
      // Each decision saw every one before it: the held amounts it read are 0, 1, ..., 39, once each.
      expect([...seen].sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 40 }, (_, i) => d(String(i))));
      const raw = await rawAccount('u-group');
      expect(raw).toMatchObject({ balances: { USD: { total: '1000', held: '40' } } });
      expect(Object.keys(raw!.holds)).toHaveLength(40);
      // Far fewer writes than updates: the first alone, then the ones that queued behind it together.
      expect(raw!.version - 1).toBeLessThan(10);
    });

    it('fails only the update whose decision throws; the others of its group land', async () => {
      await store.createAccount({ accountId: 'u-group-fail', name: 'F', balances: { USD: d('10') } });
      const add = (amount: string) => (account: Account | null) => {
        const usd = account!.balances.USD!;
        return { result: 'ok', changes: { balances: { USD: { total: usd.total + d(amount), held: 0n } } } };
      };
      const outcomes = await Promise.allSettled([
        store.updateAccount('u-group-fail', add('1')),
        store.updateAccount('u-group-fail', add('2')),
        store.updateAccount('u-group-fail', () => {
          throw new Error('corrupted');
        }),
        store.updateAccount('u-group-fail', () => ({ result: null, changes: { holds: { 'a.b': null } } })),
        store.updateAccount('u-group-fail', () => ({ result: null }), { fills: ['$f'] }),
        store.updateAccount('u-group-fail', add('4')),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      expect(outcomes[3]).toMatchObject({ reason: { code: 'VALIDATION_FAILED' } });
      expect(await store.getBalances('u-group-fail')).toEqual([{ asset: 'USD', total: '17', available: '17', held: '0' }]);
    });

    it('keeps every update of two stores (two processes) racing on one account', async () => {
      await store.createAccount({ accountId: 'u-race', name: 'R', balances: { USD: d('0') } });
      const other = new MongoAccountStore(db);
      const add = (account: Account | null) => {
        const usd = account!.balances.USD!;
        return { result: null, changes: { balances: { USD: { total: usd.total + d('1'), held: 0n } } } };
      };
      await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? store : other).updateAccount('u-race', add)));
      expect(await store.getBalances('u-race')).toEqual([{ asset: 'USD', total: '60', available: '60', held: '0' }]);
    });

    it('refuses changes whose keys cannot be field names', async () => {
      await store.createAccount({ accountId: 'u-keys', name: 'K', balances: {} });
      await expect(store.updateAccount('u-keys', () => ({ result: null, changes: { balances: { 'a.b': { total: 1n, held: 0n } } } }))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      await expect(store.updateAccount('u-keys', () => ({ result: null }), { fills: ['$f'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('stores fee rates and limit overrides when given, and lets them be changed', async () => {
      await store.createAccount({
        accountId: 'u-rates',
        name: 'R',
        balances: {},
        fees: { makerBps: 5, takerBps: 15 },
        limits: { maxOpenOrders: 3, maxPositionBySymbol: { 'BTC-USD': d('2.5') } },
      });
      expect(await rawAccount('u-rates')).toMatchObject({ fees: { makerBps: 5, takerBps: 15 }, limits: { maxOpenOrders: 3, maxPositionBySymbol: { 'BTC-USD': '2.5' } } });
      expect(await store.getAccount('u-rates')).toMatchObject({ feeRates: { makerBps: 5, takerBps: 15 }, limits: { maxOpenOrders: 3, maxPositionBySymbol: { 'BTC-USD': d('2.5') } } });

      expect(await store.setFeeRates('u-rates', { makerBps: 0, takerBps: 30 })).toBe(true);
      expect(await store.setRiskLimits('u-rates', { maxOrderNotional: d('1000') })).toBe(true);
      expect(await store.getAccount('u-rates')).toMatchObject({ feeRates: { makerBps: 0, takerBps: 30 }, limits: { maxOrderNotional: d('1000') } });
      expect((await store.getAccount('u-rates'))?.limits).not.toHaveProperty('maxOpenOrders');
      expect(await store.setFeeRates('nobody', { makerBps: 0, takerBps: 0 })).toBe(false);

      await expect(store.setFeeRates('u-rates', { makerBps: 1.5, takerBps: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(store.setFeeRates('u-rates', { makerBps: 0, takerBps: 10_001 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(store.setRiskLimits('u-rates', { maxPosition: 0n })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(store.setRiskLimits('u-rates', { maxOpenOrders: -1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('reads an account written before the risk fields existed', async () => {
      await store.createAccount({ accountId: 'u-old', name: 'Old', balances: { USD: d('1') } });
      expect(await rawAccount('u-old')).not.toHaveProperty('fees');
      expect(await store.getAccount('u-old')).toEqual({
        accountId: 'u-old',
        name: 'Old',
        version: 1,
        balances: { USD: { total: d('1'), held: 0n } },
        holds: {},
        fills: {},
        pendingFees: {},
        feeSeq: 0,
        feeCursors: {},
        positions: {},
      });
      expect(await store.getAccount('nobody')).toBeNull();
    });
  });
});

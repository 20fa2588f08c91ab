import { ApplicationFailure } from '@temporalio/common';
import { UpstreamServiceError } from '../infra/http/http-json';
import type { RiskClient } from '../infra/http/risk-client';
import { createLogger } from '../infra/logger';
import { createOrderActivities, type OrderActivitiesDeps, type SettleFillInput } from './order-activities';

/**
 * settleFill with `release` over a recording risk client: how the release's outcome in the settlement's answer is
 * taken (done, retried, refused), and the fallback for a risk engine from before the field. The risk engine's side is
 * tested against the real one (risk/release.integration.test.ts).
 */
describe('settleFill with release', () => {
  type SettleBody = Parameters<RiskClient['settleFill']>[0];
  type SettleAnswer = Awaited<ReturnType<RiskClient['settleFill']>>;

  function activitiesWith(answer: (body: SettleBody) => SettleAnswer) {
    const bodies: SettleBody[] = [];
    const risk = {
      async settleFill(body: SettleBody) {
        bodies.push(body);
        return answer(body);
      },
    } as unknown as RiskClient;
    const deps = { risk, logger: createLogger({ name: 'test', level: 'silent' }) } as unknown as OrderActivitiesDeps;
    return { activities: createOrderActivities(deps), bodies };
  }

  const input: SettleFillInput = {
    orderId: 'o-1',
    accountId: 'acct-1',
    symbol: 'BTC-USD',
    side: 'BUY',
    fillId: 'T1:o-1',
    tradeId: 'T1',
    quantity: '0.5',
    price: '30000',
    liquidity: 'TAKER',
  };
  const fee = { asset: 'USD', amount: '7.5' };
  const settled = (release?: NonNullable<Extract<SettleAnswer, { ok: true }>['fill']['release']>): SettleAnswer => ({
    ok: true,
    fill: { applied: true, fee, ...(release === undefined ? {} : { release }) },
  });

  it('answers released when the risk engine released (or held nothing), in one call', async () => {
    const { activities, bodies } = activitiesWith(() => settled({ released: true }));
    expect(await activities.settleFill(input, { release: true })).toEqual({ fee: '7.5', feeAsset: 'USD', released: true });
    expect(bodies).toEqual([expect.objectContaining({ fillId: 'T1:o-1', release: true })]);
    const nothing = activitiesWith(() => settled({ released: false }));
    expect(await nothing.activities.settleFill(input, { release: true })).toEqual({ fee: '7.5', feeAsset: 'USD', released: true });
  });

  it('sends no release flag and answers the fee alone without the option', async () => {
    const { activities, bodies } = activitiesWith(() => settled());
    expect(await activities.settleFill(input)).toEqual({ fee: '7.5', feeAsset: 'USD' });
    expect(bodies[0]).not.toHaveProperty('release');
  });

  it('throws a retryable error when the release could not ask the venue (503), a non-retryable one when the venue has the order open (409)', async () => {
    const unavailable = activitiesWith(() => settled({ released: false, status: 503, error: { code: 'SERVICE_UNAVAILABLE', message: 'the venue could not be asked' } }));
    await expect(unavailable.activities.settleFill(input, { release: true })).rejects.toBeInstanceOf(UpstreamServiceError);
    const open = activitiesWith(() => settled({ released: false, status: 409, error: { code: 'ORDER_NOT_TERMINAL', message: 'open at the venue' } }));
    const refusal = await open.activities.settleFill(input, { release: true }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApplicationFailure);
    expect(refusal).toMatchObject({ type: 'ORDER_NOT_TERMINAL', nonRetryable: true });
  });

  it('asks a risk engine from before the field (400 on release) again without it, and answers not released', async () => {
    const { activities, bodies } = activitiesWith((body) =>
      body.release === undefined ? settled() : { ok: false, status: 400, error: { code: 'VALIDATION_FAILED', message: 'release: unknown field' } },
    );
    expect(await activities.settleFill(input, { release: true })).toEqual({ fee: '7.5', feeAsset: 'USD' });
    expect(bodies.map((body) => body.release)).toEqual([true, undefined]);
  });

  it('records a settlement a risk engine refuses with or without the field (a 400 of the fill itself) as before', async () => {
    const anomalies: unknown[] = [];
    const risk = {
      async settleFill() {
        return { ok: false, status: 400, error: { code: 'INVALID_PRICE_TICK', message: 'off the tick' } };
      },
    } as unknown as RiskClient;
    const deps = { risk, logger: createLogger({ name: 'test', level: 'silent' }), anomalies: { record: async (a: unknown) => anomalies.push(a) } } as unknown as OrderActivitiesDeps;
    const refusal = await createOrderActivities(deps).settleFill(input, { release: true }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ type: 'INVALID_PRICE_TICK', nonRetryable: true });
    expect(anomalies).toEqual([expect.objectContaining({ kind: 'SETTLEMENT_INVALID_PRICE_TICK' })]);
  });
});

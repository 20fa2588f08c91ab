import type { VenueClient, VenueOrderState } from '../infra/http/venue-client';
import { createLogger } from '../infra/logger';
import { sampleOrder } from '../test/harness/order-fixtures';
import { toOrderView } from '../domain/order';
import { fromOrderSnapshot } from '../domain/order-snapshot';
import { createOrderActivities, type OrderActivitiesDeps } from './order-activities';

/**
 * submitToVenue with `reportsInAnswer` (patch 'fills-with-submit') over a recording venue client: the fallback for a
 * venue from before the field, whose strict body refuses it. The venue's side is tested against the real one
 * (venue/venue.integration.test.ts, activities/order-activities.integration.test.ts).
 */
describe('submitToVenue with reportsInAnswer', () => {
  type SubmitBody = Parameters<VenueClient['submit']>[0];
  type SubmitAnswer = Awaited<ReturnType<VenueClient['submit']>>;

  const order = toOrderView(fromOrderSnapshot(sampleOrder('o-1', { quantity: '0.5' })));
  const state: VenueOrderState = {
    orderId: 'o-1',
    accountId: order.accountId,
    symbol: 'BTC-USD',
    status: 'OPEN',
    filledQuantity: '0',
    remaining: '0.5',
    cancelledQuantity: '0',
    reason: null,
    version: 1,
    updatedAt: order.updatedAt,
    fills: [],
  };
  const refused = (status: number, code: string): SubmitAnswer => ({ ok: false, status, error: { code, message: `refused: ${code}` } });

  function activitiesWith(answer: (body: SubmitBody) => SubmitAnswer) {
    const bodies: SubmitBody[] = [];
    const venue = {
      async submit(body: SubmitBody) {
        bodies.push(body);
        return answer(body);
      },
    } as unknown as VenueClient;
    const deps = { venue, logger: createLogger({ name: 'test', level: 'silent' }) } as unknown as OrderActivitiesDeps;
    return { activities: createOrderActivities(deps), bodies };
  }

  it('asks once when the venue takes the field', async () => {
    const { activities, bodies } = activitiesWith(() => ({ ok: true, value: state }));
    expect(await activities.submitToVenue({ ...order, reportsInAnswer: true })).toEqual(state);
    expect(bodies).toEqual([expect.objectContaining({ orderId: 'o-1', reportsInAnswer: true })]);
  });

  it('submits again without it when a venue from before the field refuses the body (400), and answers that submit', async () => {
    const { activities, bodies } = activitiesWith((body) => (body.reportsInAnswer === true ? refused(400, 'VALIDATION_FAILED') : { ok: true, value: state }));
    expect(await activities.submitToVenue({ ...order, reportsInAnswer: true })).toEqual(state);
    expect(bodies.map((b) => b.reportsInAnswer)).toEqual([true, false]);
  });

  it('fails as before on any other refusal, and never asks twice without the field', async () => {
    const terms = activitiesWith(() => refused(422, 'IDEMPOTENCY_KEY_REUSED'));
    await expect(terms.activities.submitToVenue({ ...order, reportsInAnswer: true })).rejects.toMatchObject({ type: 'IDEMPOTENCY_KEY_REUSED', nonRetryable: true });
    expect(terms.bodies).toHaveLength(1);
    const plain = activitiesWith(() => refused(400, 'INVALID_PRICE_TICK'));
    await expect(plain.activities.submitToVenue(order)).rejects.toMatchObject({ type: 'INVALID_PRICE_TICK' });
    expect(plain.bodies).toHaveLength(1);
  });
});

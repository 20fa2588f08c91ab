import * as v from 'valibot';
import { PoisonMessageError, parseMessage } from './poison-message';

const Schema = v.object({ orderId: v.string(), quantity: v.pipe(v.string(), v.regex(/^\d+(\.\d+)?$/)) });

function poisonOf(run: () => unknown): PoisonMessageError {
  try {
    run();
  } catch (error) {
    if (error instanceof PoisonMessageError) return error;
    throw error;
  }
  throw new Error('expected a PoisonMessageError');
}

describe('parseMessage', () => {
  it('returns the validated value, numbers on the wire staying decimal strings', () => {
    expect(parseMessage(Schema, '{"orderId":"o-1","quantity":"0.10000000000000000001"}')).toEqual({
      orderId: 'o-1',
      quantity: '0.10000000000000000001',
    });
  });

  it('turns bad JSON into a PoisonMessageError naming the problem', () => {
    const poison = poisonOf(() => parseMessage(Schema, '{"orderId":'));
    expect(poison.code).toBe('POISON_MESSAGE');
    expect(poison.reason).toMatch(/^invalid JSON: /);
  });

  it('turns schema issues into the reason, with each issue and its path in the details', () => {
    const poison = poisonOf(() => parseMessage(Schema, '{"orderId":7,"quantity":"1e3"}'));
    expect(poison.reason).toMatch(/^schema validation failed: orderId: .+; quantity: .+$/);
    expect(poison.details).toEqual({
      issues: [
        { path: 'orderId', message: expect.any(String) as string },
        { path: 'quantity', message: expect.any(String) as string },
      ],
    });
  });

  it('treats a JSON value that is not an object as poison too', () => {
    expect(poisonOf(() => parseMessage(Schema, 'null')).reason).toMatch(/^schema validation failed: \(message\): /);
  });
});

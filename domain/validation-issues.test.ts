import * as v from 'valibot';
import { DomainError } from './errors';
import { describeIssues, parseShape, validationFailed, validationIssues, type SchemaIssues } from './validation-issues';

const Schema = v.strictObject({
  symbol: v.string('must be a string'),
  limits: v.object({ maxOpenOrders: v.pipe(v.number(), v.integer('must be an integer')) }),
});

const issuesOf = (value: unknown): SchemaIssues => {
  const parsed = v.safeParse(Schema, value);
  if (parsed.success) throw new Error('expected the value to fail');
  return parsed.issues;
};

const failureOf = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};

describe('validation issues', () => {
  it('names each issue by its dot path, and an issue about the whole value by the value in parentheses', () => {
    expect(validationIssues(issuesOf({ symbol: 7, limits: { maxOpenOrders: 1.5 } }), 'body')).toEqual([
      { path: 'symbol', message: 'must be a string' },
      { path: 'limits.maxOpenOrders', message: 'must be an integer' },
    ]);
    expect(validationIssues(issuesOf(null), 'body')).toEqual([{ path: '(body)', message: expect.stringMatching(/^Invalid type: Expected Object/) as string }]);
  });

  it('describes issues on one line', () => {
    expect(describeIssues([{ path: 'a', message: 'x' }, { path: '(body)', message: 'y' }])).toBe('a: x; (body): y');
    expect(describeIssues(validationIssues(issuesOf({ symbol: 7, limits: { maxOpenOrders: 1.5 } }), 'env'))).toBe('symbol: must be a string; limits.maxOpenOrders: must be an integer');
  });

  it('makes VALIDATION_FAILED with the first issue as the message and every issue in the details', () => {
    const error = validationFailed(issuesOf({ symbol: 7, limits: { maxOpenOrders: 1.5 } }), 'body');
    expect(error).toBeInstanceOf(DomainError);
    expect([error.code, error.message]).toEqual(['VALIDATION_FAILED', 'symbol: must be a string']);
    expect(error.details).toEqual({
      issues: [
        { path: 'symbol', message: 'must be a string' },
        { path: 'limits.maxOpenOrders', message: 'must be an integer' },
      ],
    });
  });

  it('parses a value to its schema output, or throws VALIDATION_FAILED naming the value', () => {
    expect(parseShape(Schema, { symbol: 'BTC-USD', limits: { maxOpenOrders: 3 } }, 'body')).toEqual({ symbol: 'BTC-USD', limits: { maxOpenOrders: 3 } });
    const error = failureOf(() => parseShape(Schema, 'nonsense', 'query'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^\(query\): Invalid type/);
    const unknownKey = failureOf(() => parseShape(Schema, { symbol: 'BTC-USD', limits: { maxOpenOrders: 3 }, leverage: 100 }, 'body'));
    expect(unknownKey.details).toEqual({ issues: [{ path: 'leverage', message: expect.stringMatching(/^Invalid key/) as string }] });
  });
});

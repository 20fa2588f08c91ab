import * as v from 'valibot';
import { SYMBOL_INPUT } from '../../domain/symbols';
import { addFactoryResponses, integerQuery, queryParameters, symbolQuery } from './openapi';

describe('queryParameters', () => {
  const Query = v.strictObject({
    status: v.optional(v.picklist(['NEW', 'FILLED'])),
    symbol: v.optional(symbolQuery),
    limit: v.optional(integerQuery(1, 500), '100'),
    cursor: v.optional(v.pipe(v.string(), v.maxLength(512), v.description('from nextCursor'))),
    required: v.pipe(v.string(), v.minLength(2)),
  });

  it('says what the valibot schema enforces: enums, patterns, lengths, integer bounds, defaults, required', () => {
    expect(queryParameters(Query)).toEqual([
      { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['NEW', 'FILLED'] } },
      { name: 'symbol', in: 'query', required: false, schema: { type: 'string', pattern: SYMBOL_INPUT.source } },
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 512 }, description: 'from nextCursor' },
      { name: 'required', in: 'query', required: true, schema: { type: 'string', minLength: 2 } },
    ]);
  });

  it('agrees with the validator: what the document allows parses, what it refuses does not', () => {
    const [, symbol, limit] = queryParameters(Query);
    const pattern = new RegExp(symbol!.schema.pattern as string);
    for (const given of ['', ' ', 'BTC', 'BTC-', '-USD', 'B-USD']) {
      expect(pattern.test(given)).toBe(false);
      expect(v.safeParse(Query, { required: 'xx', symbol: given }).success).toBe(false);
    }
    for (const given of ['BTC-USD', 'btc/usd', 'DOGE-EUR']) expect(v.safeParse(Query, { required: 'xx', symbol: given }).success).toBe(true);
    const { minimum, maximum } = limit!.schema as { minimum: number; maximum: number };
    for (const n of [minimum, maximum]) expect(v.safeParse(Query, { required: 'xx', limit: String(n) }).success).toBe(true);
    for (const n of [minimum - 1, maximum + 1]) expect(v.safeParse(Query, { required: 'xx', limit: String(n) }).success).toBe(false);
  });

  it('lets a later check add to a parameter, and refuses what it cannot express', () => {
    const Candles = v.strictObject({ interval: v.optional(v.string()) });
    expect(queryParameters(Candles, { interval: { enum: ['1m', '1h'] } })[0]!.schema).toEqual({ type: 'string', enum: ['1m', '1h'] });
    expect(() => queryParameters(v.strictObject({ at: v.pipe(v.string(), v.check(() => true)) }))).toThrow(/at has check/);
    expect(() => queryParameters(v.strictObject({ n: v.pipe(v.string(), v.transform(Number)) }))).toThrow(/transform/);
  });
});

describe('addFactoryResponses', () => {
  it('adds 401 where a credential is needed and 400/413/415 where a body is taken, keeping what an operation says', () => {
    const document = addFactoryResponses({
      security: [{ bearer: [] }],
      paths: {
        '/health': { get: { security: [], responses: { 200: {} } } },
        '/things': { post: { requestBody: {}, responses: { 400: { description: 'own' } } }, get: { responses: {} } },
      },
    });
    expect(Object.keys(document.paths!['/health']!.get!.responses!)).toEqual(['200']);
    const post = document.paths!['/things']!.post!.responses!;
    expect(Object.keys(post).sort()).toEqual(['400', '401', '413', '415', '503']);
    expect(post['400']).toEqual({ description: 'own' });
    expect(Object.keys(document.paths!['/things']!.get!.responses!).sort()).toEqual(['401', '503']);
  });

  it('adds 429 on the paths a rate limit guards, and 503 everywhere but the process\'s own endpoints', () => {
    const document = addFactoryResponses(
      {
        paths: {
          '/api/things': { get: { security: [], responses: { 200: {} } } },
          '/other': { get: { security: [], responses: { 200: {} } } },
          '/metrics': { get: { security: [], responses: { 200: {} } } },
        },
      },
      { rateLimited: /^\/api\// },
    );
    expect(Object.keys(document.paths!['/api/things']!.get!.responses!).sort()).toEqual(['200', '429', '503']);
    expect(Object.keys(document.paths!['/other']!.get!.responses!).sort()).toEqual(['200', '503']);
    expect(Object.keys(document.paths!['/metrics']!.get!.responses!)).toEqual(['200']);
  });
});

import { DomainError } from '../domain/errors';
import { MAX_CANDLE_SPAN, resolveCandleQuery } from './candle-query';

const T = Date.UTC(2016, 9, 7);
const code = (input: Parameters<typeof resolveCandleQuery>[0]) => {
  try {
    resolveCandleQuery(input);
    return 'OK';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe('resolveCandleQuery', () => {
  it('defaults to the latest 500 one-minute candles', () => {
    expect(resolveCandleQuery({})).toEqual({ interval: '1m', limit: 500, newest: true });
  });

  it('reads epoch milliseconds and ISO timestamps; with a start, the oldest of the range first', () => {
    expect(resolveCandleQuery({ interval: '5m', start: String(T), end: '2016-10-07T01:00:00Z', limit: '12' })).toEqual({
      interval: '5m',
      fromMs: T,
      toMs: T + 3_600_000,
      limit: 12,
      newest: false,
    });
    expect(resolveCandleQuery({ interval: '1d', end: '2016-10-08T00:00:00.000+00:00' })).toEqual({ interval: '1d', toMs: T + 86_400_000, limit: 500, newest: true });
    expect(resolveCandleQuery({ start: '2016-10-07T02:00:00+02:00' })).toMatchObject({ fromMs: T, newest: false });
  });

  it.each([
    [{ interval: '2m' }, 'INVALID_INTERVAL'],
    [{ interval: '' }, 'INVALID_INTERVAL'],
    [{ interval: '1M' }, 'INVALID_INTERVAL'],
    [{ start: String(T + 60_000), end: String(T) }, 'INVALID_TIME_RANGE'],
    [{ start: String(T), end: String(T) }, 'INVALID_TIME_RANGE'],
    [{ interval: '1m', start: String(T), end: String(T + (MAX_CANDLE_SPAN + 1) * 60_000) }, 'INVALID_TIME_RANGE'],
    [{ start: 'yesterday' }, 'VALIDATION_FAILED'],
    [{ end: '2016-10-07T00:00:00' }, 'VALIDATION_FAILED'],
    [{ end: '2016-02-30T00:00:00Z' }, 'VALIDATION_FAILED'],
    [{ limit: '0' }, 'VALIDATION_FAILED'],
    [{ limit: '1001' }, 'VALIDATION_FAILED'],
    [{ limit: '5.5' }, 'VALIDATION_FAILED'],
    [{ limit: '-1' }, 'VALIDATION_FAILED'],
  ])('refuses %o with %s', (input, expected) => {
    expect(code(input)).toBe(expected);
  });

  it('allows exactly the widest span', () => {
    expect(code({ interval: '1h', start: String(T), end: String(T + MAX_CANDLE_SPAN * 3_600_000) })).toBe('OK');
  });
});

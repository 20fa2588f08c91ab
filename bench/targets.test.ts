import { judged } from './result';
import { firstNumber, targetVerdicts } from './targets';

describe('issue 15 targets', () => {
  it('reads the first number of a cell', () => {
    expect(firstNumber('42.9%')).toBe(42.9);
    expect(firstNumber('1,234,567')).toBe(1234567);
    expect(firstNumber('204 (154-502)')).toBe(204);
    // The lifecycle bench's idle cell: "p50" names the value, it is not the value (it once read as a 50 ms pass).
    expect(firstNumber('p50 184 (150-300)')).toBe(184);
    expect(firstNumber(12.5)).toBe(12.5);
    expect(firstNumber('')).toBeUndefined();
    expect(firstNumber(Number.NaN)).toBeUndefined();
  });

  it('judges a row on the value it shows, so the row and the targets table agree', () => {
    // A p50 of 50.3 ms: shown as 50.3, a miss in both (it once showed as "50": a miss in its row, a pass in the targets).
    const idle = judged(50.3, 1, (p50) => p50 <= 50);
    expect(idle).toEqual({ shown: 50.3, result: 'miss' });
    const row = { measure: 'POST → ACCEPTED idle, ms: 15 orders one at a time; target p50 ≤ 50 ms', orders: `p50 ${idle.shown} (37-173)`, 'orders/bare': idle.result };
    expect(targetVerdicts([{ bench: 'lifecycle', result: { name: 'l', rows: [row] } }])[4]).toMatchObject({ value: '50.3 ms', result: idle.result });
    expect(judged(50.04, 1, (p50) => p50 <= 50)).toEqual({ shown: 50, result: 'pass' });
  });

  it('judges each target from the rows of the benches that ran, and says which did not run or measure', () => {
    const rows = targetVerdicts([
      { bench: 'matching-engine', result: { name: 'm', rows: [{ measure: 'operations/s, median of 5 runs', engine: 1_250_000 }] } },
      {
        bench: 'ingest',
        result: {
          name: 'i',
          rows: [
            { measure: '2xx requests/s, 50 connections, 10 s', api: 2052, 'api/bare': '11.0%' },
            { measure: 'p99 latency ms, 1000 requests/s', api: 9.5, 'api/bare': '3x' },
          ],
        },
      },
      {
        bench: 'lifecycle',
        result: {
          name: 'l',
          rows: [
            { measure: 'per second to SETTLED', orders: 7.4, 'orders/bare': '42.9%' },
            { measure: 'POST → ACCEPTED idle, ms: 15 orders one at a time; target p50 ≤ 50 ms', orders: 'p50 184 (150-300)', 'orders/bare': 'miss' },
          ],
        },
      },
    ]);
    expect(rows.map((r) => [r.value, r.result])).toEqual([
      ['1,250,000 ops/s', 'pass'],
      ['11%', 'miss'],
      ['9.5 ms', 'pass'],
      ['42.9%', 'miss'],
      ['184 ms', 'miss'],
    ]);
    expect(targetVerdicts([]).every((r) => r.result === 'not run')).toBe(true);
    expect(targetVerdicts([{ bench: 'lifecycle' }])[3]).toMatchObject({ result: 'failed' });
  });
});

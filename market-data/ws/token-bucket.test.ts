import fc from 'fast-check';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows a burst, then one frame per 1/rate seconds', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([0, 0, 0]);
    expect(bucket.take(0)).toBe(100);
    expect(bucket.take(40)).toBe(60);
    expect(bucket.take(100)).toBe(0);
    expect(bucket.take(100)).toBe(100);
  });

  it('refills up to the burst, not beyond', () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    const taken = [bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)];
    expect(taken.map((wait) => wait === 0)).toEqual([true, true, false]);
  });

  it('refills nothing when the clock steps back', () => {
    const bucket = new TokenBucket(1, 1, 1000);
    expect(bucket.take(1000)).toBe(0);
    expect(bucket.take(0)).toBe(1000);
    expect(bucket.take(1999)).toBe(1);
    expect(bucket.take(2000)).toBe(0);
  });

  it('refuses rates and bursts that cannot work', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow();
    expect(() => new TokenBucket(1, 0, 0)).toThrow();
    expect(() => new TokenBucket(Number.NaN, 1, 0)).toThrow();
  });

  it('never lets more than burst + rate × elapsed frames through, and a frame through once it waited as told', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, gaps) => {
          const bucket = new TokenBucket(rate, burst, 0);
          let now = 0;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            const wait = bucket.take(now);
            if (wait === 0) allowed += 1;
            else {
              expect(wait).toBeGreaterThan(0);
              expect(bucket.take(now + wait)).toBe(0);
              now += wait;
              allowed += 1;
            }
            expect(allowed).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { createOrderEntry, type OrderEntry } from './order-entry';
import { OrderIndex, hashString } from './order-index';

const entry = (orderId: string): OrderEntry => createOrderEntry(orderId, 'A', 'BUY', 'LIMIT', 1n, 1n, 'GTC', false);

/** Two different ids with the same 32-bit hash, found by brute force (deterministic). */
function collidingIds(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const id = `id-${i}`;
    const other = seen.get(hashString(id));
    if (other !== undefined) return [other, id];
    seen.set(hashString(id), id);
  }
}

describe('OrderIndex', () => {
  it('finds what was added and nothing else, across many growths', () => {
    const index = new OrderIndex(2);
    const ids = Array.from({ length: 5000 }, (_, i) => `order-${i * 7919}`);
    for (const id of ids) index.add(entry(id));
    expect(index.size).toBe(ids.length);
    for (const id of ids) expect(index.get(id)?.orderId).toBe(id);
    expect(index.get('order-1')).toBeUndefined();
    expect(index.get('')).toBeUndefined();
  });

  it('tells apart ids whose hashes are equal', () => {
    const [a, b] = collidingIds();
    expect(a).not.toBe(b);
    expect(hashString(a)).toBe(hashString(b));
    const index = new OrderIndex(4);
    index.add(entry(a));
    expect(index.get(b)).toBeUndefined();
    index.add(entry(b));
    expect(index.get(a)?.orderId).toBe(a);
    expect(index.get(b)?.orderId).toBe(b);
  });

  it('compares ids by value, whatever string object carries them', () => {
    const index = new OrderIndex();
    index.add(entry(['ab', 'c'].join('')));
    expect(index.get(`a${'bc'}`)?.orderId).toBe('abc');
    expect(index.get('ABC')).toBeUndefined();
    expect(index.get('ключ-🙂')).toBeUndefined();
    index.add(entry('ключ-🙂'));
    expect(index.get('ключ-🙂')?.orderId).toBe('ключ-🙂');
  });
});

import { describe, expect, it } from 'vitest';
import { BillingCache, SwrCache } from '../../../src/billing/billing-cache';
import { monthKey, planQuota, secondsUntilNextMonth } from '../../../src/billing/monthly-quota';
import { RateOverrides } from '../../../src/billing/rate-overrides';

describe('rate overrides', () => {
  it('the longest matching prefix wins; no match leaves the route price', () => {
    const rates = new RateOverrides([
      { prefix: '98', price: 9 },
      { prefix: '98912', price: 7 },
      { prefix: '9891234', price: 3 },
    ]);
    expect(rates.partPrice('989123456789')).toBe(3);
    expect(rates.partPrice('989129999999')).toBe(7);
    expect(rates.partPrice('989350000000')).toBe(9);
    expect(rates.partPrice('447700900123')).toBeUndefined();
    expect(new RateOverrides([{ prefix: '', price: 1 }]).partPrice('447700900123')).toBe(1);
  });

  it('refuses prices that are not minor units', () => {
    expect(() => new RateOverrides([{ prefix: '1', price: 0.5 }])).toThrow(RangeError);
  });
});

describe('monthly quota', () => {
  it('months are UTC calendar months', () => {
    expect(monthKey(new Date('2026-12-31T23:59:59Z'))).toBe('202612');
    expect(monthKey(new Date('2027-01-01T00:00:00Z'))).toBe('202701');
    expect(secondsUntilNextMonth(new Date('2026-11-30T23:59:00Z'))).toBe(60);
  });

  it('a request that does not fit is refused without reserving, and a later smaller one may fit', () => {
    const plan = planQuota(
      [
        { appId: 'a', limit: 5, count: 3 },
        { appId: 'a', limit: 5, count: 3 },
        { appId: 'a', limit: 5, count: 2 },
        { appId: 'b', limit: 1, count: 1 },
      ],
      new Map([['b', 1]]),
    );
    expect(plan.allowed).toEqual([true, false, true, false]);
    expect(plan.used.get('a')).toBe(5);
  });
});

describe('SwrCache', () => {
  it('loads missing keys once, serves fresh ones from memory, refreshes stale ones in the background', async () => {
    let now = 0;
    const loads: string[][] = [];
    let value = 1;
    const cache = new SwrCache<number>(
      async (keys) => {
        loads.push([...keys]);
        return new Map(keys.map((k) => [k, value]));
      },
      { freshMs: 100, maxStaleMs: 1_000, nowMs: () => now },
    );
    expect(await cache.getMany(['a', 'b', 'a'])).toEqual(new Map([['a', 1], ['b', 1]]));
    expect(loads).toEqual([['a', 'b']]);
    now = 50;
    await cache.get('a');
    expect(loads).toHaveLength(1);
    value = 2;
    now = 200;
    expect(await cache.get('a')).toBe(1); // stale, served while it refreshes
    await new Promise((r) => setImmediate(r));
    expect(loads).toHaveLength(2);
    expect(await cache.get('a')).toBe(2);
    now = 5_000; // too old to serve: loaded before answering
    value = 3;
    expect(await cache.get('a')).toBe(3);
  });

  it('invalidate drops an entry, and a load that started before it stores nothing', async () => {
    let release: () => void = () => undefined;
    let value = 1;
    const cache = new SwrCache<number>(async (keys) => {
      const v = value;
      await new Promise<void>((r) => (release = r));
      return new Map(keys.map((k) => [k, v]));
    });
    const pending = cache.get('a');
    cache.invalidate('a');
    release();
    expect(await pending).toBe(1);
    value = 2;
    const second = cache.get('a');
    release();
    expect(await second).toBe(2);
  });

  it('BillingCache answers balance plus credit limit and the account’s overrides', async () => {
    const cache = new BillingCache({
      accountTerms: async (ids) => new Map(ids.map((id) => [id, { balance: -5, creditLimit: 20, rates: [{ prefix: '98', price: 2 }] }])),
      appQuotas: async (ids) => new Map(ids.map((id) => [id, id === 'capped' ? 10 : null])),
    });
    expect((await cache.available(['acc'])).get('acc')).toBe(15);
    expect((await cache.rates('acc')).partPrice('9891')).toBe(2);
    expect(await cache.quotas(['capped', 'free'])).toEqual(new Map([['capped', 10], ['free', null]]));
  });
});

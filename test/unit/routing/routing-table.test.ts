import { describe, expect, it } from 'vitest';
import { RoutingTable } from '../../../src/routing/routing-table';

const table = new RoutingTable([
  { prefix: '', carrierIds: ['fallback'], price: 9 },
  { prefix: '98', carrierIds: ['ir-a', 'ir-b'], price: 5 },
  { prefix: '98912', carrierIds: ['mci'], price: 4 },
  { prefix: '44', carrierIds: ['uk'], price: 7 },
]);

describe('routing table', () => {
  it('picks the longest matching prefix', () => {
    expect(table.resolve('989121234567')?.carrierIds).toEqual(['mci']);
    expect(table.resolve('989351234567')?.carrierIds).toEqual(['ir-a', 'ir-b']);
    expect(table.resolve('447700900123')?.price).toBe(7);
  });

  it('falls back to the catch-all prefix ""', () => {
    expect(table.resolve('15551234567')?.carrierIds).toEqual(['fallback']);
  });

  it('resolves nothing when there is no catch-all and no prefix matches', () => {
    const narrow = new RoutingTable([{ prefix: '98', carrierIds: ['a'], price: 1 }]);
    expect(narrow.resolve('447700900123')).toBeUndefined();
  });

  it('a prefix longer than the number does not match it', () => {
    const t = new RoutingTable([{ prefix: '98912123456789', carrierIds: ['x'], price: 1 }]);
    expect(t.resolve('98912')).toBeUndefined();
  });

  it('refuses duplicate prefixes', () => {
    expect(() => new RoutingTable([{ prefix: '1', carrierIds: ['a'], price: 1 }, { prefix: '1', carrierIds: ['b'], price: 1 }])).toThrow(/duplicate/);
  });

  it('does not share the caller\'s arrays', () => {
    const carriers = ['a'];
    const t = new RoutingTable([{ prefix: '1', carrierIds: carriers, price: 1 }]);
    carriers.push('b');
    expect(t.resolve('1555')?.carrierIds).toEqual(['a']);
  });
});

describe('routes with ranks and weights', () => {
  it('keep carriers, weights and ranks parallel in failover order (by rank, then as given)', () => {
    const t = new RoutingTable([{ prefix: '98', carrierIds: ['backup', 'a', 'b'], weights: [1, 3, 1], ranks: [2, 1, 1], price: 5 }]);
    const route = t.resolve('989121234567')!;
    expect(route.carrierIds).toEqual(['a', 'b', 'backup']);
    expect(route.weights).toEqual([3, 1, 1]);
    expect(route.ranks).toEqual([1, 1, 2]);
    expect(route.groups.map((g) => g.map((c) => c.carrierId))).toEqual([['a', 'b'], ['backup']]);
  });

  it('refuse a carrier listed twice and weights that do not match the carriers', () => {
    expect(() => new RoutingTable([{ prefix: '1', carrierIds: ['a', 'a'], price: 1 }])).toThrow(/twice/);
    expect(() => new RoutingTable([{ prefix: '1', carrierIds: ['a', 'b'], weights: [1], price: 1 }])).toThrow(/match/);
  });
});

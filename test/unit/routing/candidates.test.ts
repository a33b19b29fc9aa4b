import { describe, expect, it } from 'vitest';
import { candidateOrder, WeightedPicker } from '../../../src/routing/candidates';
import { RoutingTable } from '../../../src/routing/routing-table';

const table = new RoutingTable([
  { prefix: '44', carrierIds: ['a', 'b', 'c'], price: 5 },
  { prefix: '33', carrierIds: ['x', 'y', 'z', 'w'], weights: [3, 1, 1, 0], ranks: [1, 1, 2, 1], price: 5 },
]);

describe('candidate order', () => {
  it('without weights or ranks is the failover order as given', () => {
    expect(candidateOrder(table.resolve('447700900123')!, new WeightedPicker())).toEqual(['a', 'b', 'c']);
  });

  it('shares a rank exactly by weight, puts a weight-0 carrier last in its rank, and lower ranks after', () => {
    const picker = new WeightedPicker();
    const route = table.resolve('33612345678')!;
    const firsts = Array.from({ length: 400 }, () => candidateOrder(route, picker));
    const count = (id: string) => firsts.filter((o) => o[0] === id).length;
    expect([count('x'), count('y'), count('w')]).toEqual([300, 100, 0]);
    for (const order of firsts) {
      expect(order.slice(2)).toEqual(['w', 'z']);
      expect(new Set(order.slice(0, 2))).toEqual(new Set(['x', 'y']));
    }
  });

  it('keeps a message with parts already sent on that carrier, and tries carriers that just failed it last', () => {
    const route = table.resolve('447700900123')!;
    expect(candidateOrder(route, new WeightedPicker(), { sticky: 'b' })).toEqual(['b']);
    expect(candidateOrder(route, new WeightedPicker(), { avoid: ['a'] })).toEqual(['b', 'c', 'a']);
  });

  it('a new routing table starts its load sharing afresh', () => {
    const picker = new WeightedPicker();
    const fresh = () => new RoutingTable([{ prefix: '', carrierIds: ['p', 'q'], weights: [1, 1], ranks: [1, 1], price: 1 }]).resolve('1')!;
    expect(candidateOrder(fresh(), picker)[0]).toBe(candidateOrder(fresh(), picker)[0]);
  });
});

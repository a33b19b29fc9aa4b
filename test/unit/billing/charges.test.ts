import { describe, expect, it } from 'vitest';
import { ledgerBalance, messagePrice, planCharges } from '../../../src/billing/charges';

describe('message price', () => {
  it('is the per-part price times the parts', () => {
    expect(messagePrice(5, 3)).toBe(15);
    expect(messagePrice(0, 2)).toBe(0);
  });

  it('refuses fractional money and non-positive part counts', () => {
    expect(() => messagePrice(1.5, 1)).toThrow(RangeError);
    expect(() => messagePrice(5, 0)).toThrow(RangeError);
  });
});

describe('charge planning', () => {
  const m = (id: string, accountId: string, price: number) => ({ id, accountId, price });

  it('charges in order while the balance lasts, then refuses; a later cheaper message may still fit', () => {
    const plan = planCharges([m('1', 'a', 40), m('2', 'a', 40), m('3', 'a', 30), m('4', 'a', 20)], new Map([['a', 100]]));
    expect(plan.charge.map((x) => x.id)).toEqual(['1', '2', '4']);
    expect(plan.insufficient.map((x) => x.id)).toEqual(['3']);
    expect(plan.totals.get('a')).toBe(100);
  });

  it('keeps accounts apart and does not touch the balances it was given', () => {
    const balances = new Map([['a', 10], ['b', 0]]);
    const plan = planCharges([m('1', 'a', 10), m('2', 'b', 1), m('3', 'c', 1)], balances);
    expect(plan.charge.map((x) => x.id)).toEqual(['1']);
    expect(plan.insufficient.map((x) => x.id)).toEqual(['2', '3']);
    expect(balances.get('a')).toBe(10);
  });
});

describe('ledger arithmetic', () => {
  it('sums credits, charges and refunds to the balance', () => {
    expect(
      ledgerBalance([
        { kind: 'credit', amount: 1000 },
        { kind: 'charge', amount: -15 },
        { kind: 'charge', amount: -5 },
        { kind: 'refund', amount: 15 },
      ]),
    ).toBe(995);
  });

  it('rejects rows whose sign contradicts their kind, and fractions', () => {
    expect(() => ledgerBalance([{ kind: 'charge', amount: 5 }])).toThrow(RangeError);
    expect(() => ledgerBalance([{ kind: 'refund', amount: -5 }])).toThrow(RangeError);
    expect(() => ledgerBalance([{ kind: 'credit', amount: 0.5 }])).toThrow(RangeError);
  });
});

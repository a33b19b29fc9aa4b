import { describe, expect, it } from 'vitest';
import { MAX_BATCH_RECIPIENTS, planBatch, type PlanContext } from '../../../src/campaigns/batch-plan';
import { GatewayError } from '../../../src/core/errors';
import { RoutingTable } from '../../../src/routing/routing-table';

const app = { id: 'app-1', accountId: 'acct-1', name: 'a', throughputPerSecond: 100, callbackUrl: null, moUrl: null, senders: ['Shop'] };
const ctx: PlanContext = {
  app,
  routing: new RoutingTable([{ prefix: '98', carrierIds: ['c'], price: 7 }]),
  now: new Date('2026-11-25T00:00:00Z'),
};

describe('planning a batch', () => {
  it('normalises numbers, refuses invalid ones, later duplicates and unrouted numbers, and prices the rest', () => {
    const plan = planBatch(
      [{ to: '+98 912 123 4567' }, { to: 'abc' }, { to: '989121234567' }, { to: '447700900123' }, { to: '989121234568' }],
      { text: 'x'.repeat(161) },
      ctx,
    );
    expect(plan.accepted.map((r) => [r.seq, r.to, r.parts, r.price])).toEqual([[0, '989121234567', 2, 14], [1, '989121234568', 2, 14]]);
    expect(plan.refused).toEqual([
      { to: 'abc', reason: 'invalid_number' },
      { to: '989121234567', reason: 'duplicate' },
      { to: '447700900123', reason: 'no_route' },
    ]);
    expect(plan.totalPrice).toBe(28);
    expect(new Set(plan.accepted.map((r) => r.messageId)).size).toBe(2);
  });

  it('renders a template per recipient and refuses a recipient whose params do not fit', () => {
    const plan = planBatch(
      [{ to: '989121234567', params: { name: 'Ava' } }, { to: '989121234568', params: {} }, { to: '989121234569', params: { name: 'x'.repeat(400) } }],
      { templateBody: 'Hi {name}' },
      { ...ctx, maxParts: 2 },
    );
    expect(plan.accepted.map((r) => r.text)).toEqual(['Hi Ava']);
    expect(plan.refused.map((r) => [r.to, r.reason])).toEqual([['989121234568', 'invalid_params'], ['989121234569', 'too_long']]);
  });

  it('uses the account rate when it overrides the route price', () => {
    const plan = planBatch([{ to: '989121234567' }], { text: 'hi' }, { ...ctx, partPrice: () => 3 });
    expect(plan.totalPrice).toBe(3);
  });

  it('refuses the whole request for an unknown sender, a text too long, no or too many recipients', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as GatewayError).code;
      }
      return undefined;
    };
    expect(codeOf(() => planBatch([{ to: '989121234567' }], { text: 'hi', from: 'Other' }, ctx))).toBe('INVALID_SENDER');
    expect(codeOf(() => planBatch([{ to: '989121234567' }], { text: 'x'.repeat(160 * 20) }, ctx))).toBe('MESSAGE_TOO_LONG');
    expect(codeOf(() => planBatch([], { text: 'hi' }, ctx))).toBe('INVALID_REQUEST');
    const many = Array.from({ length: MAX_BATCH_RECIPIENTS + 1 }, () => ({ to: '989121234567' }));
    expect(codeOf(() => planBatch(many, { text: 'hi' }, ctx))).toBe('TOO_MANY_RECIPIENTS');
  });
});

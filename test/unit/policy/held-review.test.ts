import { describe, expect, it } from 'vitest';
import { approveHeld, rejectHeld, sweepHeldTimeouts, type HeldReviewStore } from '../../../src/pipeline/held-review';
import type { ChargeDecision } from '../../../src/pipeline/ports';
import type { Finalized, MessageRecord } from '../../../src/pipeline/types';

const message = (id: string, price = 5): MessageRecord => ({
  id,
  accountId: 'acc',
  appId: 'app',
  channel: 'http',
  to: '989121234567',
  from: null,
  text: 'x',
  encoding: 'gsm7',
  parts: 1,
  price,
  priority: 'express',
  reference: null,
  callbackUrl: null,
  registeredDelivery: true,
  validUntil: new Date(Date.now() + 60_000),
  status: 'held',
  carrierId: null,
  carrierMessageId: null,
  errorCode: null,
  createdAt: new Date(),
});

/** A store that runs the decide callback against a fixed balance, like chargeAccepted from held. */
function fakeStore(balance: number, held: MessageRecord[]): HeldReviewStore & { decisions: ChargeDecision[] } {
  const decisions: ChargeDecision[] = [];
  return {
    decisions,
    list: async () => ({ items: [], nextCursor: null }),
    async approve(id, _actor, decide) {
      const m = held.find((h) => h.id === id);
      if (!m) return undefined;
      const decision = decide([m], new Map([['acc', balance]]));
      decisions.push(decision);
      const queued = decision.queue.includes(id) ? [{ ...m, status: 'queued' as const }] : [];
      const rejected: Finalized[] = decision.reject.map((r) => ({ message: m, status: 'rejected', errorCode: r.reason, refunded: 0, at: new Date() }));
      return { queued, rejected, charged: queued.length ? m.price : 0 };
    },
    async reject(id, _actor, reason) {
      const m = held.find((h) => h.id === id);
      return m ? { message: m, status: 'rejected', errorCode: reason ?? 'REVIEW_REJECTED', refunded: 0, at: new Date() } : undefined;
    },
    rejectOverdue: async () => [],
  };
}

function deps(store: HeldReviewStore) {
  const dispatched: Array<{ jobId: string; ids: readonly string[]; priority: string }> = [];
  const finalized: Finalized[] = [];
  return {
    dispatched,
    finalized,
    deps: {
      store,
      queues: {
        review: async () => undefined,
        dispatch: async (jobId: string, ids: readonly string[], priority: string) => void dispatched.push({ jobId, ids, priority }),
        receipts: async () => undefined,
        callbacks: async () => undefined,
      },
      onFinalized: async (f: readonly Finalized[]) => void finalized.push(...f),
    },
  };
}

describe('held review decisions', () => {
  it('an approval covered by the balance queues the message once, with its priority, without re-reviewing it', async () => {
    const store = fakeStore(10, [message('m1')]);
    const d = deps(store);
    expect(await approveHeld('m1', 'operator', d.deps)).toEqual({ status: 'queued', charged: 5 });
    expect(d.dispatched).toEqual([{ jobId: 'dispatch:approved:m1', ids: ['m1'], priority: 'express' }]);
    expect(store.decisions[0]!.hold).toBeUndefined();
    expect(d.finalized).toEqual([]);
  });

  it('an approval the balance does not cover ends rejected and notifies', async () => {
    const d = deps(fakeStore(4, [message('m1')]));
    expect(await approveHeld('m1', 'operator', d.deps)).toEqual({ status: 'rejected', errorCode: 'INSUFFICIENT_BALANCE' });
    expect(d.dispatched).toEqual([]);
    expect(d.finalized.map((f) => f.errorCode)).toEqual(['INSUFFICIENT_BALANCE']);
  });

  it('deciding a message that is not held answers undefined and does nothing', async () => {
    const d = deps(fakeStore(10, []));
    expect(await approveHeld('nope', 'operator', d.deps)).toBeUndefined();
    expect(await rejectHeld('nope', 'operator', null, d.deps)).toBeUndefined();
    expect(d.dispatched).toEqual([]);
    expect(d.finalized).toEqual([]);
  });

  it('a rejection notifies the app', async () => {
    const d = deps(fakeStore(10, [message('m1')]));
    expect((await rejectHeld('m1', 'operator', null, d.deps))?.status).toBe('rejected');
    expect(d.finalized).toHaveLength(1);
  });

  it('the timeout sweep works in batches until one is short', async () => {
    const calls: number[] = [];
    const sizes = [2, 2, 1];
    const finalized: Finalized[] = [];
    const total = await sweepHeldTimeouts({
      timeoutSeconds: 60,
      batchSize: 2,
      store: {
        rejectOverdue: async (timeout, limit) => {
          calls.push(timeout);
          return Array.from({ length: sizes.shift() ?? 0 }, (_, i) => ({ message: message(`m${i}`), status: 'rejected' as const, errorCode: 'REVIEW_TIMEOUT', refunded: 0, at: new Date() })).slice(0, limit);
        },
      },
      onFinalized: async (f) => void finalized.push(...f),
    });
    expect(total).toBe(5);
    expect(calls).toEqual([60, 60, 60]);
    expect(finalized).toHaveLength(5);
  });
});

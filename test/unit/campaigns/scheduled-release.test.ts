/**
 * The pipeline side of scheduled sending and batches, without I/O: accept
 * delays review to each message's scheduleAt, review leaves messages it
 * reached early alone, batch messages go to dispatch as small bulk jobs, and
 * queue-loss recovery puts scheduled messages and unexpanded batches back.
 */
import { describe, expect, it } from 'vitest';
import { Acceptor } from '../../../src/pipeline/accept';
import type { ChargeStore, DispatchJobOptions, ReviewJobOptions, StageQueues } from '../../../src/pipeline/ports';
import { requeueWaiting } from '../../../src/pipeline/queue-recovery';
import { BULK_DISPATCH_JOB_SIZE, passEverything, reviewAndCharge } from '../../../src/pipeline/review-charge';
import type { MessageRecord, NewMessage } from '../../../src/pipeline/types';

const now = new Date('2026-11-25T00:00:00Z');

function recordingQueues() {
  const review: Array<{ jobId: string; ids: readonly string[]; options?: ReviewJobOptions }> = [];
  const dispatch: Array<{ jobId: string; ids: readonly string[]; priority: string; options?: DispatchJobOptions }> = [];
  const queues: StageQueues = {
    review: async (jobId, ids, options) => void review.push({ jobId, ids, ...(options ? { options } : {}) }),
    dispatch: async (jobId, ids, priority, options) => void dispatch.push({ jobId, ids, priority, ...(options ? { options } : {}) }),
    receipts: async () => undefined,
    callbacks: async () => undefined,
  };
  return { queues, review, dispatch };
}

function message(id: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id, accountId: 'a', appId: 'p', channel: 'http', to: '989121234567', from: null, text: 'hi', encoding: 'gsm7', parts: 1, price: 5,
    priority: 'normal', reference: null, callbackUrl: null, registeredDelivery: true, validUntil: new Date(now.getTime() + 86_400_000),
    status: 'queued', carrierId: null, carrierMessageId: null, errorCode: null, createdAt: now, ...extra,
  };
}

describe('accept with scheduleAt', () => {
  it('enqueues immediate messages as before and scheduled ones as review jobs delayed to their time, one per time', async () => {
    const { queues, review } = recordingQueues();
    const acceptor = new Acceptor({
      store: { balances: async () => new Map([['a', 1000]]), insertAccepted: async () => undefined, abandonAccepted: async () => undefined },
      queues,
      maxBatchItems: 10,
      maxBatchWaitMs: 1,
      now: () => now,
    });
    const at = new Date(now.getTime() + 60_000);
    const m = (id: string, extra: Partial<NewMessage> = {}): NewMessage => message(id, extra);
    await Promise.all([
      acceptor.accept([m('now1')]),
      acceptor.accept([m('later1', { scheduleAt: at }), m('later2', { scheduleAt: at, priority: 'express' })]),
    ]);
    expect(review).toHaveLength(2);
    expect(review[0]).toMatchObject({ ids: ['now1'] });
    expect(review[0]!.options).toBeUndefined();
    expect(review[1]).toMatchObject({ ids: ['later1', 'later2'], options: { priority: 'express', delayMs: 60_000 } });
  });
});

describe('review of scheduled and batch messages', () => {
  it('leaves a message reached before its time to a review job delayed until it', async () => {
    const { queues, review, dispatch } = recordingQueues();
    const at = new Date(Date.now() + 30_000);
    const store: ChargeStore = { chargeAccepted: async () => ({ queued: [], rejected: [], charged: 0, deferred: [{ id: 'early', scheduleAt: at }] }) };
    await reviewAndCharge('review:1', ['early'], { store, queues, review: passEverything, onFinalized: async () => undefined });
    expect(dispatch).toEqual([]);
    expect(review).toHaveLength(1);
    expect(review[0]!.ids).toEqual(['early']);
    expect(review[0]!.jobId).toBe(`review:1:early:${at.getTime()}`);
    expect(review[0]!.options!.delayMs).toBeGreaterThan(25_000);
  });

  it('sends batch messages to dispatch as bulk jobs of at most BULK_DISPATCH_JOB_SIZE, single ones as before', async () => {
    const { queues, dispatch } = recordingQueues();
    const batch = Array.from({ length: BULK_DISPATCH_JOB_SIZE + 1 }, (_, i) => message(`b${i}`, { batchId: 'B' }));
    const store: ChargeStore = { chargeAccepted: async () => ({ queued: [message('single'), ...batch], rejected: [], charged: 0 }) };
    await reviewAndCharge('review:2', [], { store, queues, review: passEverything, onFinalized: async () => undefined });
    expect(dispatch.map((d) => [d.jobId, d.ids.length, d.options?.bulk ?? false])).toEqual([
      ['dispatch:review:2:normal', 1, false],
      ['dispatch:review:2:normal:bulk:0', BULK_DISPATCH_JOB_SIZE, true],
      [`dispatch:review:2:normal:bulk:${BULK_DISPATCH_JOB_SIZE}`, 1, true],
    ]);
  });
});

describe('queue-loss recovery', () => {
  it('re-enqueues accepted scheduled messages delayed to their time, and the expansion of unexpanded batches', async () => {
    const { queues, review } = recordingQueues();
    const at = new Date(now.getTime() + 120_000);
    const expanded: string[] = [];
    const counts = await requeueWaiting({
      store: {
        waitingMessages: async () => [
          { id: 'due', status: 'accepted', priority: 'normal', scheduleAt: null },
          { id: 'later', status: 'accepted', priority: 'normal', scheduleAt: at },
        ],
      },
      queues,
      runId: 'r',
      now: () => now,
      batches: { unexpanded: async () => ['B1'], expand: async (jobId, batchId) => void expanded.push(`${jobId}/${batchId}`) },
    });
    expect(counts).toEqual({ review: 2, dispatch: 0 });
    expect(review.find((r) => r.ids.includes('later'))!.options).toEqual({ priority: 'normal', delayMs: 120_000 });
    expect(review.find((r) => r.ids.includes('due'))!.options).toBeUndefined();
    expect(expanded).toEqual(['batch:recover:r:B1/B1']);
  });
});

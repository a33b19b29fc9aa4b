import { describe, expect, it } from 'vitest';
import { expandBatch } from '../../../src/campaigns/expand-batch';
import type { BatchExpansionStore, ExpandedChunk } from '../../../src/campaigns/ports';

const now = new Date('2026-11-25T00:00:00Z');

function fakeStore(total: number, options: { accepted?: Array<{ id: string; scheduleAt: Date | null }>; scheduleAt?: Date | null; cancelAfter?: number } = {}) {
  let created = 0;
  const store: BatchExpansionStore = {
    acceptedMessages: async () => options.accepted ?? [],
    expandChunk: async (_batchId, size): Promise<ExpandedChunk> => {
      if (options.cancelAfter !== undefined && created >= options.cancelAfter) return { ids: [], fromSeq: created, scheduleAt: null, done: true };
      const from = created;
      created = Math.min(total, created + size);
      return { ids: Array.from({ length: created - from }, (_, i) => `m${from + i}`), fromSeq: from, scheduleAt: options.scheduleAt ?? null, done: created >= total };
    },
  };
  return store;
}

function recordingQueues() {
  const reviews: Array<{ jobId: string; ids: readonly string[]; options?: { priority?: string; delayMs?: number } }> = [];
  return {
    reviews,
    queues: {
      review: async (jobId: string, ids: readonly string[], options?: { priority?: 'bulk'; delayMs?: number }) => void reviews.push({ jobId, ids, ...(options ? { options } : {}) }),
      expandBatch: async () => undefined,
    },
  };
}

describe('expanding a batch', () => {
  it('creates it a chunk at a time, one bulk review job per chunk with a job id from its first seq', async () => {
    const { reviews, queues } = recordingQueues();
    await expandBatch('b1', { store: fakeStore(5), queues, now: () => now, chunkSize: 2 });
    expect(reviews.map((r) => [r.jobId, r.ids.length, r.options])).toEqual([
      ['review:batch:b1:0', 2, { priority: 'bulk' }],
      ['review:batch:b1:2', 2, { priority: 'bulk' }],
      ['review:batch:b1:4', 1, { priority: 'bulk' }],
    ]);
  });

  it('delays the review jobs of a scheduled batch until its time', async () => {
    const { reviews, queues } = recordingQueues();
    await expandBatch('b1', { store: fakeStore(1, { scheduleAt: new Date(now.getTime() + 60_000) }), queues, now: () => now });
    expect(reviews[0]!.options).toEqual({ priority: 'bulk', delayMs: 60_000 });
  });

  it('after a crash first re-enqueues review for the messages still accepted, then goes on', async () => {
    const { reviews, queues } = recordingQueues();
    const accepted = [{ id: 'old1', scheduleAt: null }, { id: 'old2', scheduleAt: null }];
    await expandBatch('b1', { store: fakeStore(1, { accepted }), queues, now: () => now });
    expect(reviews.map((r) => [r.jobId, r.ids])).toEqual([
      ['review:batch:b1:re:old1', ['old1', 'old2']],
      ['review:batch:b1:0', ['m0']],
    ]);
  });

  it('stops when the batch is cancelled', async () => {
    const { reviews, queues } = recordingQueues();
    await expandBatch('b1', { store: fakeStore(10, { cancelAfter: 4 }), queues, now: () => now, chunkSize: 2 });
    expect(reviews.flatMap((r) => r.ids)).toEqual(['m0', 'm1', 'm2', 'm3']);
  });
});

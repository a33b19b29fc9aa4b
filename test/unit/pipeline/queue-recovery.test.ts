import { describe, expect, it } from 'vitest';
import type { StageQueues } from '../../../src/pipeline/ports';
import type { WaitingMessage } from '../../../src/pipeline/ports-recovery';
import { requeueWaiting } from '../../../src/pipeline/queue-recovery';

function recordingQueues() {
  const review: Array<{ jobId: string; ids: readonly string[] }> = [];
  const dispatch: Array<{ jobId: string; ids: readonly string[]; priority: string }> = [];
  const queues: StageQueues = {
    review: async (jobId, ids) => void review.push({ jobId, ids }),
    dispatch: async (jobId, ids, priority) => void dispatch.push({ jobId, ids, priority }),
    receipts: async () => undefined,
    callbacks: async () => undefined,
  };
  return { queues, review, dispatch };
}

const waiting = (n: number, status: WaitingMessage['status'], priority: WaitingMessage['priority'] = 'normal', from = 0): WaitingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${status}-${priority}-${from + i}`, status, priority }));

describe('re-enqueueing after Redis lost its jobs', () => {
  it('sends accepted messages back to review and queued ones to dispatch by priority, in batches', async () => {
    const { queues, review, dispatch } = recordingQueues();
    const messages = [...waiting(5, 'accepted'), ...waiting(3, 'queued', 'express'), ...waiting(4, 'queued', 'normal')];
    const counts = await requeueWaiting({ store: { waitingMessages: async () => messages }, queues, runId: 'r1', batchSize: 2 });
    expect(counts).toEqual({ review: 5, dispatch: 7 });
    expect(review.map((j) => j.ids.length)).toEqual([2, 2, 1]);
    expect(review.flatMap((j) => j.ids)).toEqual(messages.slice(0, 5).map((m) => m.id));
    expect(dispatch.filter((j) => j.priority === 'express').flatMap((j) => j.ids)).toEqual(messages.slice(5, 8).map((m) => m.id));
    expect(dispatch.filter((j) => j.priority === 'normal').flatMap((j) => j.ids)).toEqual(messages.slice(8).map((m) => m.id));
    expect(dispatch.every((j) => j.ids.length <= 2)).toBe(true);
  });

  it('derives job ids from the run id, so a rerun of the same recovery enqueues nothing twice and another run does', async () => {
    const { queues, review, dispatch } = recordingQueues();
    const store = { waitingMessages: async () => [...waiting(1, 'accepted'), ...waiting(1, 'queued')] };
    await requeueWaiting({ store, queues, runId: 'r1' });
    await requeueWaiting({ store, queues, runId: 'r1' });
    await requeueWaiting({ store, queues, runId: 'r2' });
    expect(new Set(review.map((j) => j.jobId)).size).toBe(2);
    expect(new Set(dispatch.map((j) => j.jobId)).size).toBe(2);
  });

  it('does nothing when nothing waits', async () => {
    const { queues, review, dispatch } = recordingQueues();
    expect(await requeueWaiting({ store: { waitingMessages: async () => [] }, queues, runId: 'r' })).toEqual({ review: 0, dispatch: 0 });
    expect(review).toEqual([]);
    expect(dispatch).toEqual([]);
  });
});

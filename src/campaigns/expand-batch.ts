/**
 * The batch queue's stage: a stored batch becomes messages, a chunk per
 * transaction, each chunk's review job enqueued after its commit (bulk
 * priority, delayed to the batch's scheduleAt). A re-run after a crash first
 * re-enqueues review for the batch's messages still `accepted` (job ids are
 * deterministic, and review only charges accepted messages, so duplicates
 * are harmless), then goes on from the stored cursor.
 */
import type { BatchExpansionStore, BatchQueues } from './ports';

/** Recipients per expansion transaction (and per review job). */
export const EXPAND_CHUNK_SIZE = 1000;

export interface ExpandDeps {
  readonly store: BatchExpansionStore;
  readonly queues: BatchQueues;
  readonly now: () => Date;
  readonly chunkSize?: number;
  readonly onExpanded?: (count: number) => void;
}

export async function expandBatch(batchId: string, deps: ExpandDeps): Promise<void> {
  const size = deps.chunkSize ?? EXPAND_CHUNK_SIZE;
  const waiting = await deps.store.acceptedMessages(batchId);
  for (let i = 0; i < waiting.length; i += size) {
    const chunk = waiting.slice(i, i + size);
    const at = Math.max(0, ...chunk.map((m) => m.scheduleAt?.getTime() ?? 0));
    await enqueueReview(deps, `review:batch:${batchId}:re:${chunk[0]!.id}`, chunk.map((m) => m.id), at);
  }
  for (;;) {
    const chunk = await deps.store.expandChunk(batchId, size);
    if (chunk.ids.length > 0) {
      await enqueueReview(deps, `review:batch:${batchId}:${chunk.fromSeq}`, chunk.ids, chunk.scheduleAt?.getTime() ?? 0);
      deps.onExpanded?.(chunk.ids.length);
    }
    if (chunk.done) return;
  }
}

async function enqueueReview(deps: ExpandDeps, jobId: string, ids: readonly string[], atMs: number): Promise<void> {
  const delayMs = atMs - deps.now().getTime();
  await deps.queues.review(jobId, ids, { priority: 'bulk', ...(delayMs > 0 ? { delayMs } : {}) });
}

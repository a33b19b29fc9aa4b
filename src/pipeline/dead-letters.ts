/**
 * Operator actions on the dead-letter queue (the listing is a plain read):
 * - requeue: the message leaves the queue and gets a fresh dispatch job with
 *   a full set of attempts, under its own id (generation = its requeue
 *   count, so the new job ids never collide with its earlier ones). The
 *   entry is marked first, so the job can claim the message; if the job
 *   cannot be enqueued the mark is undone and the error propagates;
 * - discard: the message ends `failed` and is refunded.
 * Both answer undefined when the message is not in the queue (any more).
 */
import { REFUNDED_STATUSES } from '../core/lifecycle';
import type { DeadLetterStore, FinalizeStore, StageQueues } from './ports';
import type { Finalized } from './types';

export interface DeadLetterDeps {
  readonly store: DeadLetterStore;
  readonly finalizer: FinalizeStore;
  readonly queues: StageQueues;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
}

export async function requeueDeadLetter(id: string, deps: DeadLetterDeps): Promise<{ generation: number } | undefined> {
  const entry = await deps.store.get(id);
  if (!entry) return undefined;
  const generation = entry.requeues + 1;
  if (!(await deps.store.markRequeued(id, generation))) return undefined;
  try {
    await deps.queues.dispatch(`dispatch:${id}:g${generation}`, [id], entry.message.priority, { attempt: 0, waits: 0, generation });
  } catch (error) {
    await deps.store.unmarkRequeued(id);
    throw error;
  }
  return { generation };
}

export async function discardDeadLetter(id: string, deps: DeadLetterDeps): Promise<Finalized | undefined> {
  const entry = await deps.store.get(id);
  if (!entry) return undefined;
  const finalized = await deps.finalizer.finalize(
    [{ id, status: 'failed', errorCode: 'DEAD_LETTER_DISCARDED', detail: { reason: entry.reason, attempts: entry.attempts, source: 'operator' } }],
    REFUNDED_STATUSES,
  );
  await deps.onFinalized(finalized);
  return finalized[0];
}

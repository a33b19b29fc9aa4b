/**
 * Recovery after Redis lost its data (restarted without persistence, a
 * failover to an empty replica, a FLUSHALL): PostgreSQL still holds every
 * acknowledged message, but the jobs that were to move them on are gone, so
 * `accepted` messages would never be charged and `queued` ones never sent
 * (not even expired: the validity sweep's schedule lived in Redis too).
 *
 * This enqueues them again: accepted ones as review jobs, queued ones (not
 * dead-lettered) as dispatch jobs, in batches. It is safe to run while the
 * old jobs still exist or new ones were added meanwhile: review only charges
 * `accepted` messages, and dispatch claims a message exclusively (a lease in
 * PostgreSQL) and never resends a part a carrier already took; a duplicate
 * job finds nothing to do.
 *
 * What it cannot bring back: receipts a carrier handed over whose dlr job
 * was not yet processed (the message stays `submitted`), and status
 * callbacks / SMPP receipts to customers not yet sent. Run Redis with
 * appendonly to keep those (docs/security.md, "Outages").
 */
import type { StageQueues } from './ports';
import { enqueueScheduledReviews } from './review-charge';
import type { RecoveryStore } from './ports-recovery';
import type { Priority } from './types';

export interface QueueRecoveryDeps {
  readonly store: RecoveryStore;
  readonly queues: StageQueues;
  /** Distinguishes this recovery's job ids from an earlier one's. */
  readonly runId: string;
  /** Messages per job (default 500, the accept batch size). */
  readonly batchSize?: number;
  /** Batches (campaigns) not fully expanded get their expansion job again (src/campaigns). */
  readonly batches?: {
    unexpanded(): Promise<string[]>;
    expand(jobId: string, batchId: string): Promise<void>;
  };
  readonly now?: () => Date;
}

/** Returns how many messages went back to review and to dispatch. */
export async function requeueWaiting(deps: QueueRecoveryDeps): Promise<{ review: number; dispatch: number }> {
  const batchSize = deps.batchSize ?? 500;
  const waiting = await deps.store.waitingMessages();
  const nowMs = (deps.now?.() ?? new Date()).getTime();
  // Scheduled messages go back delayed to their time (review would leave them alone before it anyway).
  const scheduled = waiting.filter((m) => m.status === 'accepted' && m.scheduleAt && m.scheduleAt.getTime() > nowMs);
  const scheduledIds = new Set(scheduled.map((m) => m.id));
  await enqueueScheduledReviews(deps.queues, `review:recover:${deps.runId}:at`, scheduled.map((m) => ({ id: m.id, scheduleAt: m.scheduleAt! })), nowMs, 'normal');
  const review = waiting.filter((m) => m.status === 'accepted' && !scheduledIds.has(m.id)).map((m) => m.id);
  const dispatch = new Map<Priority, string[]>();
  for (const m of waiting) {
    if (m.status !== 'queued') continue;
    dispatch.set(m.priority, [...(dispatch.get(m.priority) ?? []), m.id]);
  }
  for (let i = 0; i < review.length; i += batchSize) {
    await deps.queues.review(`review:recover:${deps.runId}:${i}`, review.slice(i, i + batchSize));
  }
  let dispatched = 0;
  for (const [priority, ids] of dispatch) {
    for (let i = 0; i < ids.length; i += batchSize) {
      await deps.queues.dispatch(`dispatch:recover:${deps.runId}:${priority}:${i}`, ids.slice(i, i + batchSize), priority);
    }
    dispatched += ids.length;
  }
  for (const batchId of (await deps.batches?.unexpanded()) ?? []) {
    await deps.batches!.expand(`batch:recover:${deps.runId}:${batchId}`, batchId);
  }
  return { review: review.length + scheduled.length, dispatch: dispatched };
}

/**
 * The review+charge stage: content review (a hook: the compiled content
 * rules; held messages wait uncharged for a person), then the authoritative charge of
 * route price x parts in one transaction per batch. Messages the balance no
 * longer covers end `rejected` and are never charged. Queued messages go to
 * dispatch grouped by priority; re-running a batch is harmless (the store
 * only charges `accepted` messages, and dispatch job ids are derived from
 * this job's id, so a re-run enqueues nothing twice).
 */
import { planCharges } from '../billing/charges';
import type { ChargeDecision, ChargeStore, JobPriority, StageQueues } from './ports';
import type { Finalized, MessageRecord, Priority } from './types';

/**
 * A review decision. `hold` sends the message to the manual review queue
 * (status held, not charged); `reason` becomes the error code of a rejection,
 * and `detail` (e.g. the rule that fired) goes into the event row.
 */
export type ReviewVerdict =
  | { readonly action: 'pass' }
  | { readonly action: 'hold'; readonly reason: string; readonly detail?: Readonly<Record<string, unknown>> }
  | { readonly action: 'reject'; readonly reason: string; readonly detail?: Readonly<Record<string, unknown>> };

/** Content review hook; main.ts passes the compiled content rules (src/policy/live-rules.ts). */
export type Reviewer = (message: MessageRecord) => ReviewVerdict;

export const passEverything: Reviewer = () => ({ action: 'pass' });

/** Messages per dispatch job of batch (campaign) traffic. */
export const BULK_DISPATCH_JOB_SIZE = 100;

export interface ReviewChargeDeps {
  readonly store: ChargeStore;
  readonly queues: StageQueues;
  readonly review: Reviewer;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  /** Minor units this batch charged (metrics). */
  readonly onCharged?: (amount: number) => void;
}

export function decideCharges(
  messages: readonly MessageRecord[],
  balances: ReadonlyMap<string, number>,
  review: Reviewer,
): ChargeDecision {
  const reject: Array<{ id: string; reason: string; detail?: Readonly<Record<string, unknown>> }> = [];
  const hold: Array<{ id: string; reason: string; detail?: Readonly<Record<string, unknown>> }> = [];
  const passed: MessageRecord[] = [];
  for (const message of messages) {
    const verdict = review(message);
    if (verdict.action === 'reject') reject.push({ id: message.id, reason: verdict.reason, ...(verdict.detail ? { detail: verdict.detail } : {}) });
    else if (verdict.action === 'hold') hold.push({ id: message.id, reason: verdict.reason, ...(verdict.detail ? { detail: verdict.detail } : {}) });
    else passed.push(message);
  }
  const plan = planCharges(passed, balances);
  for (const message of plan.insufficient) reject.push({ id: message.id, reason: 'INSUFFICIENT_BALANCE' });
  return { queue: plan.charge.map((m) => m.id), reject, ...(hold.length > 0 ? { hold } : {}) };
}

export async function reviewAndCharge(jobId: string, ids: readonly string[], deps: ReviewChargeDeps): Promise<void> {
  const { queued, rejected, charged, deferred = [] } = await deps.store.chargeAccepted(ids, (messages, balances) =>
    decideCharges(messages, balances, deps.review),
  );
  if (charged > 0) deps.onCharged?.(charged);
  // Batch (campaign) messages go to dispatch as bulk: after single normal messages in the normal lane.
  const groups = new Map<string, { priority: Priority; bulk: boolean; ids: string[] }>();
  for (const message of queued) {
    const bulk = Boolean(message.batchId);
    const key = `${message.priority}${bulk ? ':bulk' : ''}`;
    const group = groups.get(key) ?? { priority: message.priority, bulk, ids: [] };
    group.ids.push(message.id);
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    if (!group.bulk) {
      await deps.queues.dispatch(`dispatch:${jobId}:${key}`, group.ids, group.priority);
      continue;
    }
    // Small dispatch jobs for batches: a job's messages are claimed (in flight) until it ends, so
    // the job size bounds what a batch cancel can no longer stop (docs/campaigns.md).
    for (let i = 0; i < group.ids.length; i += BULK_DISPATCH_JOB_SIZE) {
      await deps.queues.dispatch(`dispatch:${jobId}:${key}:${i}`, group.ids.slice(i, i + BULK_DISPATCH_JOB_SIZE), group.priority, { bulk: true });
    }
  }
  // Scheduled messages this job reached early stay accepted: one delayed review job per time.
  await enqueueScheduledReviews(deps.queues, `${jobId}:early`, deferred, Date.now(), 'normal');
  if (rejected.length > 0) await deps.onFinalized(rejected);
}

/**
 * One review job per scheduled time, delayed until it (job ids derived from
 * `jobIdBase` and the time, so a re-run enqueues nothing twice).
 */
export async function enqueueScheduledReviews(
  queues: StageQueues,
  jobIdBase: string,
  messages: ReadonlyArray<{ readonly id: string; readonly scheduleAt: Date }>,
  nowMs: number,
  priority: JobPriority,
): Promise<void> {
  const byTime = new Map<number, string[]>();
  for (const m of messages) byTime.set(m.scheduleAt.getTime(), [...(byTime.get(m.scheduleAt.getTime()) ?? []), m.id]);
  for (const [at, list] of byTime) {
    await queues.review(`${jobIdBase}:${at}`, list, { priority, delayMs: Math.max(0, at - nowMs) });
  }
}

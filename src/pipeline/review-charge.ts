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
import type { ChargeDecision, ChargeStore, StageQueues } from './ports';
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
  const { queued, rejected, charged } = await deps.store.chargeAccepted(ids, (messages, balances) =>
    decideCharges(messages, balances, deps.review),
  );
  if (charged > 0) deps.onCharged?.(charged);
  const byPriority = new Map<Priority, string[]>();
  for (const message of queued) {
    const list = byPriority.get(message.priority) ?? [];
    list.push(message.id);
    byPriority.set(message.priority, list);
  }
  for (const [priority, list] of byPriority) {
    await deps.queues.dispatch(`dispatch:${jobId}:${priority}`, list, priority);
  }
  if (rejected.length > 0) await deps.onFinalized(rejected);
}

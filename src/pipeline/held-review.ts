/**
 * The manual review queue: messages a hold rule stopped wait in `held`,
 * uncharged, until a reviewer decides or the timeout rejects them.
 * - approve: the message is charged then, through the review stage's own
 *   charge path (ChargeStore.chargeAccepted from `held`, charged at most once
 *   by the ledger's unique (message, kind)), and goes to dispatch; when the
 *   balance no longer covers it, it ends `rejected` (INSUFFICIENT_BALANCE),
 *   never charged;
 * - reject: `rejected` (REVIEW_REJECTED) with the reviewer and reason in its
 *   event, never charged;
 * - timeout: a held message not decided within `timeoutSeconds` ends
 *   `rejected` (REVIEW_TIMEOUT), decided by 'system'. Runs in the sweep job.
 * Every decision is in the audit trail (written by the store in the same
 * transaction). Rejections notify the app like any other (onFinalized).
 */
import { GatewayError } from '../core/errors';
import { decideCharges, passEverything } from './review-charge';
import type { ChargeDecision, StageQueues } from './ports';
import type { Finalized, MessageRecord } from './types';

export interface HeldMessage {
  readonly message: MessageRecord;
  readonly heldAt: Date;
  /** The held event's detail: the rule that held it. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface HeldReviewStore {
  /** Held messages, oldest first (by id); the cursor is the last id of the previous page. */
  list(options: { readonly cursor?: string; readonly accountId?: string; readonly limit: number }): Promise<{ items: HeldMessage[]; nextCursor: string | null }>;
  /**
   * Charges a held message as the review stage would (decide gets the message
   * and its account's balance) and records the approval; undefined when the
   * message is not held (unknown, or decided already).
   */
  approve(
    id: string,
    actor: string,
    decide: (messages: readonly MessageRecord[], balances: ReadonlyMap<string, number>) => ChargeDecision,
  ): Promise<{ queued: MessageRecord[]; rejected: Finalized[]; charged: number } | undefined>;
  /** Ends a held message rejected (never charged); undefined when it is not held. */
  reject(id: string, actor: string, reason: string | null): Promise<Finalized | undefined>;
  /** Rejects up to `limit` messages held for longer than `timeoutSeconds`. */
  rejectOverdue(timeoutSeconds: number, limit: number): Promise<Finalized[]>;
}

export interface HeldReviewDeps {
  readonly store: HeldReviewStore;
  readonly queues: StageQueues;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly onCharged?: (amount: number) => void;
}

export type ReviewDecision =
  | { readonly status: 'queued'; readonly charged: number }
  | { readonly status: 'rejected'; readonly errorCode: string | null };

export const REVIEW_REJECTED = 'REVIEW_REJECTED';
export const REVIEW_TIMEOUT = 'REVIEW_TIMEOUT';

export async function approveHeld(id: string, actor: string, deps: HeldReviewDeps): Promise<ReviewDecision | undefined> {
  const result = await deps.store.approve(id, actor, (messages, balances) => decideCharges(messages, balances, passEverything));
  if (!result) return undefined;
  if (result.charged > 0) deps.onCharged?.(result.charged);
  const queued = result.queued.find((m) => m.id === id);
  // Idempotent job id: an approval enqueues its dispatch once. The charge is committed already, so a
  // Redis hiccup is retried briefly; if Redis stays away the error reaches the caller and the message
  // waits queued (charged) until queue recovery re-enqueues it or its validity ends (expired, refunded).
  if (queued) {
    const options = queued.batchId ? { bulk: true } : {};
    await withRetries(() => deps.queues.dispatch(`dispatch:approved:${id}`, [id], queued.priority, options)).catch((error: unknown) => {
      throw new GatewayError('QUEUE_UNAVAILABLE', 'approved and charged, but the dispatch queue is unavailable; the message waits queued', {
        id,
        cause: error instanceof Error ? error.message : String(error),
      });
    });
  }
  if (result.rejected.length > 0) await deps.onFinalized(result.rejected);
  if (queued) return { status: 'queued', charged: result.charged };
  return { status: 'rejected', errorCode: result.rejected[0]?.errorCode ?? null };
}

async function withRetries(fn: () => Promise<void>, attempts = 3, delayMs = 200): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs * i));
    }
  }
}

export async function rejectHeld(id: string, actor: string, reason: string | null, deps: HeldReviewDeps): Promise<Finalized | undefined> {
  const finalized = await deps.store.reject(id, actor, reason);
  if (finalized) await deps.onFinalized([finalized]);
  return finalized;
}

export interface HeldSweepDeps {
  readonly store: Pick<HeldReviewStore, 'rejectOverdue'>;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  /** HELD_REVIEW_TIMEOUT_SECONDS. */
  readonly timeoutSeconds: number;
  /** Messages per transaction (default 500) and transactions per run (default 20). */
  readonly batchSize?: number;
  readonly maxBatches?: number;
}

/** Returns how many held messages this run rejected for want of a decision. */
export async function sweepHeldTimeouts(deps: HeldSweepDeps): Promise<number> {
  const batchSize = deps.batchSize ?? 500;
  let total = 0;
  for (let i = 0; i < (deps.maxBatches ?? 20); i++) {
    const finalized = await deps.store.rejectOverdue(deps.timeoutSeconds, batchSize);
    if (finalized.length > 0) await deps.onFinalized(finalized);
    total += finalized.length;
    if (finalized.length < batchSize) break;
  }
  return total;
}

/**
 * What the pipeline needs from the outside world. db/, workers/ and
 * main.ts provide these; the pipeline never imports BullMQ, knex or SMPP.
 */
import type { FinalStatus } from '../core/lifecycle';
import type { CarrierConfig, CarrierPort } from '../carriers/types';
import type { RoutingTable } from '../routing/routing-table';
import type {
  CallbackRecord,
  Finalization,
  Finalized,
  MessageRecord,
  NewMessage,
  Priority,
  ReceiptRecord,
} from './types';

/** A job's place in its queue: express first, then normal, then bulk (batch/campaign traffic). */
export type JobPriority = Priority | 'bulk';

export interface ReviewJobOptions {
  readonly priority?: JobPriority;
  /** Run no earlier than this from now, ms (a scheduled message's release). */
  readonly delayMs?: number;
}

export interface StageQueues {
  /** Idempotent per jobId: adding a job id twice enqueues it once. */
  review(jobId: string, messageIds: readonly string[], options?: ReviewJobOptions): Promise<void>;
  dispatch(jobId: string, messageIds: readonly string[], priority: Priority, options?: DispatchJobOptions): Promise<void>;
  receipts(jobId: string, receipts: readonly ReceiptRecord[], delayMs?: number): Promise<void>;
  callbacks(
    jobId: string,
    callbacks: readonly CallbackRecord[],
    options?: { readonly delayMs?: number; readonly attempt?: number },
  ): Promise<void>;
}

/** What a dispatch job carries besides its message ids (see pipeline/dispatch.ts). */
export interface DispatchJobOptions {
  readonly delayMs?: number;
  /** Submits of these messages that went out and failed (default 0). */
  readonly attempt?: number;
  /** Times no carrier could take them (default 0); grows the wait backoff. */
  readonly waits?: number;
  /** Dead-letter requeues of the message (default 0); keeps job ids unique per requeue. */
  readonly generation?: number;
  /** Carriers that just failed these messages: tried after the others. */
  readonly avoidCarrierIds?: readonly string[];
  /** Batch (campaign) traffic: after single normal messages in the normal lane. */
  readonly bulk?: boolean;
  /** Times an account's dispatch cap sent them back (default 0); keeps job ids unique. */
  readonly deferrals?: number;
}

/**
 * Per-account dispatch rate caps (accounts.dispatch_rate_per_second), held
 * across every worker process: pipeline/dispatch-caps.ts asks before a
 * batch goes to carriers.
 */
export interface DispatchCaps {
  /** The account's cap in messages per second; null = none. May be a few seconds stale. */
  capOf(accountId: string): Promise<number | null>;
  /** Takes up to `wanted` permits from the account's shared bucket; retryAfterMs = until one more is there. */
  take(accountId: string, ratePerSecond: number, wanted: number): Promise<{ granted: number; retryAfterMs: number }>;
}

export interface AcceptStore {
  balances(accountIds: readonly string[]): Promise<Map<string, number>>;
  /** One multi-row insert of the messages and their `accepted` events. */
  insertAccepted(messages: readonly NewMessage[]): Promise<void>;
  /** Marks accepted messages failed when they could not be enqueued (nothing was charged). */
  abandonAccepted(ids: readonly string[], reason: string): Promise<void>;
}

export interface ChargeDecision {
  readonly queue: readonly string[];
  readonly reject: ReadonlyArray<{ readonly id: string; readonly reason: string; readonly detail?: Readonly<Record<string, unknown>> }>;
  /** Messages content review holds for a person: they move to `held`, uncharged (src/pipeline/held-review.ts decides them). */
  readonly hold?: ReadonlyArray<{ readonly id: string; readonly reason: string; readonly detail?: Readonly<Record<string, unknown>> }>;
}

/** Which messages a charge run takes: `accepted` ones (the review stage) or `held` ones (a reviewer's approval). */
export interface ChargeOptions {
  readonly from?: 'accepted' | 'held';
}

export interface ChargeStore {
  /**
   * In one transaction: loads the `accepted` messages among ids, locks their
   * accounts, asks `decide`, writes charge ledger rows (at most one per
   * message), balance updates, status changes and events. Returns every
   * message of ids now `queued` (including ones queued by an earlier run),
   * the ones this call rejected, the minor units this call charged, and the
   * accepted ones whose scheduleAt is still ahead (`deferred`: left alone).
   */
  chargeAccepted(
    ids: readonly string[],
    decide: (messages: readonly MessageRecord[], balances: ReadonlyMap<string, number>) => ChargeDecision,
    options?: ChargeOptions,
  ): Promise<{ queued: MessageRecord[]; rejected: Finalized[]; charged: number; deferred?: ReadonlyArray<{ readonly id: string; readonly scheduleAt: Date }> }>;
}

export interface SubmittedPart {
  readonly messageId: string;
  readonly partIndex: number;
  readonly carrierId: string;
  readonly carrierMessageId: string;
  /** The carrier's cost for this part when handed over, minor units (margin reports). */
  readonly cost?: number;
}

export interface DispatchStore {
  /** Claims `queued` messages for this job (a lease; the same job may re-claim after a crash). */
  claim(ids: readonly string[], jobId: string, leaseMs: number): Promise<MessageRecord[]>;
  /** Parts already handed to a carrier (a retry sends only the rest). */
  submittedParts(ids: readonly string[]): Promise<SubmittedPart[]>;
  /**
   * In one transaction: stores the parts the carriers took, and moves the
   * messages whose every part is now with a carrier from queued to submitted.
   */
  recordSubmission(
    parts: readonly SubmittedPart[],
    submitted: ReadonlyArray<{ readonly id: string; readonly carrierId: string; readonly carrierMessageId: string }>,
  ): Promise<void>;
  /** Releases the claim so another job may take the message (retry later). */
  release(ids: readonly string[]): Promise<void>;
}

export interface DeadLetterEntry {
  readonly id: string;
  readonly reason: string;
  readonly attempts: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Messages whose attempts ran out leave dispatch for the dead-letter queue (they stay queued and charged). */
export interface DeadLetterWriter {
  deadLetter(entries: readonly DeadLetterEntry[]): Promise<void>;
}

export interface DeadLetter {
  readonly message: MessageRecord;
  readonly reason: string;
  readonly attempts: number;
  readonly requeues: number;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly deadAt: Date;
}

export interface DeadLetterStore extends DeadLetterWriter {
  /** The entry of a message currently in the queue (its message still queued). */
  get(id: string): Promise<DeadLetter | undefined>;
  list(options: { readonly cursor?: string; readonly limit: number }): Promise<{ items: DeadLetter[]; nextCursor: string | null }>;
  /** Takes the entry out of the queue as requeue number `generation`; false when it is not in it (any more). */
  markRequeued(id: string, generation: number): Promise<boolean>;
  /** Puts it back (the requeue could not be enqueued). */
  unmarkRequeued(id: string): Promise<void>;
}

export interface ExpiryStore {
  /**
   * Ends up to `limit` messages past their validity and not yet with a carrier
   * (accepted, held, queued; none claimed by a live dispatch lease) as
   * expired, refunding charged ones, in one transaction.
   */
  expireOverdue(limit: number, claimLeaseMs: number): Promise<Finalized[]>;
}

export interface FinalizeStore {
  /** Guarded final transitions, events and at-most-once refunds in one transaction. */
  finalize(items: readonly Finalization[], refundable: readonly FinalStatus[]): Promise<Finalized[]>;
}

export interface PartReceipt {
  readonly messageId: string;
  readonly partIndex: number;
  readonly status: FinalStatus;
  readonly errorCode: string | null;
}

export interface ReceiptStore {
  /** Looks up carrier ids in PostgreSQL (the fallback behind CarrierIdMap). */
  findParts(carrierId: string, carrierMessageIds: readonly string[]): Promise<Array<SubmittedPart>>;
  /**
   * Records part outcomes. Returns, per touched message whose parts are now
   * all final, every part's status; and the receipts whose part row does not
   * exist yet (the receipt beat our record of the submission: retry them).
   */
  applyPartReceipts(receipts: readonly PartReceipt[]): Promise<{
    complete: Map<string, Array<{ status: string; errorCode: string | null }>>;
    missing: PartReceipt[];
  }>;
  storeUnmatched(receipts: readonly ReceiptRecord[]): Promise<void>;
}

/** The hot carrier-id -> part map (Redis). Losing an entry is harmless: PostgreSQL backs it. */
export interface CarrierIdMap {
  put(parts: readonly SubmittedPart[], ttlSeconds: number): Promise<void>;
  get(carrierId: string, carrierMessageIds: readonly string[]): Promise<Map<string, { messageId: string; partIndex: number }>>;
}

export interface RoutingView {
  table(): RoutingTable;
  carrier(id: string): CarrierConfig | undefined;
}

export type { CarrierPort };

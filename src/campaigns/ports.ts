/**
 * What batches (campaigns) need from the outside world; db/batch-store.ts,
 * workers/stage-queues.ts and gateway.ts provide them.
 */
import type { IdempotencyClaim } from '../pipeline/accept-limits';
import type { Priority } from '../pipeline/types';
import type { PlannedRecipient } from './batch-plan';

export interface NewBatch {
  readonly id: string;
  readonly accountId: string;
  readonly appId: string;
  /** Exactly one of text and templateId (a template batch stores each recipient's rendered text). */
  readonly text: string | null;
  readonly templateId: string | null;
  readonly from: string | null;
  readonly priority: Priority;
  /** The batch's callback URL, else the app's (resolved at creation). */
  readonly callbackUrl: string | null;
  readonly validitySeconds: number;
  readonly scheduleAt: Date | null;
}

export interface BatchWriter {
  /** What each account may spend now (balance + credit limit), as accept's advisory check sees it. */
  balances(accountIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * The batch row and its recipients in one transaction (one multi-row insert for the recipients),
   * with the Idempotency-Key claim when there is one: false (nothing stored) when the key is taken.
   */
  create(batch: NewBatch, recipients: readonly PlannedRecipient[], claim?: IdempotencyClaim): Promise<boolean>;
  /** A batch whose expansion job could not be enqueued: marked cancelled (nothing was created from it), its key forgotten. */
  abandon(batchId: string, claim?: IdempotencyClaim): Promise<void>;
}

export interface ExpandedChunk {
  /** Ids of the messages this call created (empty when there was nothing left, or the batch is cancelled). */
  readonly ids: readonly string[];
  /** The first recipient seq of the chunk (names its review job). */
  readonly fromSeq: number;
  readonly scheduleAt: Date | null;
  /** True when nothing remains to expand (all created, or cancelled). */
  readonly done: boolean;
}

export interface BatchExpansionStore {
  /** Messages of the batch still `accepted` (waiting for review), with their release times. */
  acceptedMessages(batchId: string): Promise<Array<{ id: string; scheduleAt: Date | null }>>;
  /**
   * In one transaction: locks the batch row, stops when it is cancelled or fully
   * created, else inserts the next `chunkSize` recipients' messages (accepted,
   * with their events) and advances the cursor.
   */
  expandChunk(batchId: string, chunkSize: number): Promise<ExpandedChunk>;
}

export interface BatchQueues {
  review(jobId: string, messageIds: readonly string[], options?: { priority?: 'bulk'; delayMs?: number }): Promise<void>;
  expandBatch(jobId: string, batchId: string, delayMs?: number): Promise<void>;
}

/**
 * The validity sweep: a message that no carrier took within its validity
 * ends `expired` and is refunded, also while it waits (carrier down,
 * breaker open, retries delayed, dead-lettered), not only when a dispatch
 * run happens to look at it. Run periodically (a repeatable BullMQ job, one
 * schedule for the whole deployment); works in batches and stops after
 * maxBatches so one run stays short.
 */
import type { ExpiryStore } from './ports';
import type { Finalized } from './types';

export interface ExpiryDeps {
  readonly store: ExpiryStore;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  /** Messages per transaction (default 500). */
  readonly batchSize?: number;
  /** Transactions per run (default 20). */
  readonly maxBatches?: number;
  /** Dispatch claims younger than this are left alone (default 120_000, dispatch's lease). */
  readonly claimLeaseMs?: number;
}

/** Returns how many messages this run expired. */
export async function sweepExpired(deps: ExpiryDeps): Promise<number> {
  const batchSize = deps.batchSize ?? 500;
  let total = 0;
  for (let i = 0; i < (deps.maxBatches ?? 20); i++) {
    const finalized = await deps.store.expireOverdue(batchSize, deps.claimLeaseMs ?? 120_000);
    if (finalized.length > 0) await deps.onFinalized(finalized);
    total += finalized.length;
    if (finalized.length < batchSize) break;
  }
  return total;
}

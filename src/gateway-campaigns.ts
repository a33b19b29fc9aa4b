/**
 * Batches (campaigns) in the composition root (issue 10): the API's batch
 * and cancel dependencies, and the batch queue's expansion for the workers
 * role. gateway.ts and gateway-workers.ts call these.
 */
import { createBatch } from './campaigns/create-batch';
import { expandBatch } from './campaigns/expand-batch';
import { PgBatchStore } from './db/batch-store';
import type { Db } from './db/knex';
import type { BatchApiDeps } from './http/batch-routes';
import type { Metrics } from './metrics/registry';
import type { QuotaPort } from './pipeline/accept-limits';
import type { Finalized } from './pipeline/types';
import type { BullStageQueues } from './workers/stage-queues';

/** A dispatch claim younger than this is live (pipeline/dispatch.ts's default lease). */
export const DISPATCH_CLAIM_LEASE_MS = 120_000;

export function batchApi(d: {
  readonly db: Db;
  readonly queues: BullStageQueues;
  readonly balances: (accountIds: readonly string[]) => Promise<Map<string, number>>;
  readonly quota: QuotaPort;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly metrics: Metrics;
}): BatchApiDeps {
  const store = new PgBatchStore(d.db);
  const writer = { balances: d.balances, create: store.create.bind(store), abandon: store.abandon.bind(store) };
  return {
    store,
    create: (batch, plan, claim) => createBatch(batch, plan, { store: writer, queues: d.queues, quota: d.quota, now: () => new Date() }, claim),
    onFinalized: async (finalized) => {
      d.metrics.messagesCancelled.inc(finalized.length);
      await d.onFinalized(finalized);
    },
    onCreated: () => d.metrics.batchesCreated.inc(),
    claimLeaseMs: DISPATCH_CLAIM_LEASE_MS,
  };
}

/** The batch queue's worker dependency (workers/processors.ts `batch`). */
export function batchExpansion(d: { readonly db: Db; readonly queues: BullStageQueues; readonly metrics: Metrics }): {
  expand(jobId: string, batchId: string): Promise<void>;
  unexpanded(): Promise<string[]>;
} {
  const store = new PgBatchStore(d.db);
  return {
    expand: (_jobId, batchId) =>
      expandBatch(batchId, {
        store,
        queues: d.queues,
        now: () => new Date(),
        onExpanded: (count) => d.metrics.messagesAccepted.inc({ channel: 'http' }, count),
      }),
    unexpanded: () => store.unexpanded(),
  };
}

/**
 * Thin BullMQ processors: parse the job, call one pipeline function. A
 * processor that throws (PostgreSQL or Redis unreachable) is retried by
 * BullMQ with backoff; every stage is idempotent, so a re-run is harmless.
 */
import { MetricsTime, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../log';
import { dispatchBatch, type DispatchDeps } from '../pipeline/dispatch';
import { sweepExpired, type ExpiryDeps } from '../pipeline/expiry';
import { sweepHeldTimeouts, type HeldSweepDeps } from '../pipeline/held-review';
import { deliverCallbacks, type NotifyDeps } from '../pipeline/notify';
import { reconcileReceipts, type ReconcileDeps } from '../pipeline/reconcile';
import { reviewAndCharge, type ReviewChargeDeps } from '../pipeline/review-charge';
import { queuePrefix, type QueueName } from './stage-queues';

const ids = z.array(z.string().uuid()).max(10_000);
const reviewJob = z.object({ ids });
const batchJob = z.object({ batchId: z.string().uuid() });
const dispatchJob = z.object({
  ids,
  attempt: z.number().int().min(0),
  waits: z.number().int().min(0).optional(),
  generation: z.number().int().min(0).optional(),
  avoidCarrierIds: z.array(z.string()).max(20).optional(),
  deferrals: z.number().int().min(0).optional(),
  bulk: z.boolean().optional(),
});
const dlrJob = z.object({
  receipts: z.array(
    z.object({
      carrierId: z.string(),
      carrierMessageId: z.string(),
      textMessageId: z.string().optional(),
      stat: z.string(),
      err: z.string().nullable(),
      receivedAt: z.string(),
      attempts: z.number().int().min(0),
    }),
  ),
});
const notifyJob = z.object({
  callbacks: z.array(z.object({ appId: z.string(), url: z.string(), body: z.string(), kind: z.enum(['status', 'mo']).optional() })),
  attempt: z.number().int().min(0),
});

export interface WorkerDeps {
  readonly connection: Redis;
  readonly prefix: string;
  readonly concurrency: number;
  /** Job lock and stalled-job check, ms (WORKER_STALLED_MS, default 30 s). */
  readonly stalledMs?: number;
  readonly log: Logger;
  readonly review: ReviewChargeDeps;
  readonly dispatch: DispatchDeps;
  readonly reconcile: ReconcileDeps;
  readonly notify: NotifyDeps;
  /** Concurrent notify jobs (CALLBACK_CONCURRENCY; default: concurrency). */
  readonly notifyConcurrency?: number;
  readonly expiry: ExpiryDeps;
  /** The held-review timeout, run by the same sweep job (issue 7). */
  readonly heldTimeout?: HeldSweepDeps;
  /** The report rollup's run (db/rollup-store.ts); without it the rollup queue has no worker here. */
  readonly rollup?: { rollUp(): Promise<unknown> };
  /** Express-lane dispatch jobs one process runs at once (default: concurrency). */
  readonly expressConcurrency?: number;
  /** Expands a stored batch into messages (src/campaigns); without it the batch queue has no worker here. */
  readonly batch?: { expand(jobId: string, batchId: string): Promise<void> };
}

export function startWorkers(deps: WorkerDeps): Worker[] {
  const make = (name: QueueName, process: (job: Job) => Promise<void>, concurrency = deps.concurrency) => {
    const worker = new Worker(name, process, {
      connection: deps.connection,
      prefix: queuePrefix(deps.prefix),
      concurrency,
      // A job whose worker died, or whose moveToActive reply was lost with a Redis
      // connection, is picked up again within about twice stalledMs (default 30 s).
      lockDuration: deps.stalledMs ?? 30_000,
      stalledInterval: deps.stalledMs ?? 30_000,
      maxStalledCount: 3,
      // Completed / failed counts per minute in Redis: GET /api/v1/queues reads the completed rate from them.
      metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
    });
    worker.on('failed', (job, error) => deps.log.warn({ queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'job failed'));
    worker.on('error', (error) => deps.log.error({ queue: name, err: error }, 'worker error'));
    return worker;
  };
  const dispatch = (job: Job) => {
    const data = dispatchJob.parse(job.data);
    return dispatchBatch({ jobId: String(job.id), ...data }, deps.dispatch);
  };
  return [
    make('review', (job) => reviewAndCharge(String(job.id), reviewJob.parse(job.data).ids, deps.review)),
    make('dispatch', (job) => dispatch(job)),
    make('dispatch-express', (job) => dispatch(job), deps.expressConcurrency ?? deps.concurrency),
    make('dlr', (job) => reconcileReceipts(String(job.id), dlrJob.parse(job.data).receipts, deps.reconcile)),
    make('notify', (job) => {
      const data = notifyJob.parse(job.data);
      return deliverCallbacks(String(job.id), data.callbacks, data.attempt, deps.notify);
    }, deps.notifyConcurrency ?? deps.concurrency),
    make(
      'sweep',
      async () => {
        await sweepExpired(deps.expiry);
        if (deps.heldTimeout) await sweepHeldTimeouts(deps.heldTimeout);
      },
      1,
    ),
    ...(deps.rollup ? [make('rollup', async () => void (await deps.rollup!.rollUp()), 1)] : []),
    ...(deps.batch ? [make('batch', (job) => deps.batch!.expand(String(job.id), batchJob.parse(job.data).batchId), 2)] : []),
  ];
}

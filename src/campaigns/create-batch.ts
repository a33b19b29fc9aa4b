/**
 * Storing a checked batch (POST /api/v1/batches): the advisory balance check
 * (balance + credit limit must cover the accepted recipients' total price,
 * as accept checks single submissions), the app's monthly quota reserved for
 * the accepted count, then the batch and its recipients in one transaction
 * and its expansion job. Answers only after both are durable; when the job
 * cannot be enqueued the batch is marked cancelled and the quota given back.
 */
import { GatewayError } from '../core/errors';
import { secondsUntilNextMonth } from '../billing/monthly-quota';
import type { IdempotencyClaim, QuotaPort, QuotaReservationRef } from '../pipeline/accept-limits';
import type { BatchPlan } from './batch-plan';
import type { BatchQueues, BatchWriter, NewBatch } from './ports';

export interface CreateBatchDeps {
  readonly store: BatchWriter;
  readonly queues: Pick<BatchQueues, 'expandBatch'>;
  readonly quota?: QuotaPort;
  readonly now: () => Date;
}

/** 'duplicate' when the Idempotency-Key of `claim` was taken (by an earlier or a concurrent request): nothing was stored. */
export async function createBatch(batch: NewBatch, plan: BatchPlan, deps: CreateBatchDeps, claim?: IdempotencyClaim): Promise<'created' | 'duplicate'> {
  const available = (await deps.store.balances([batch.accountId])).get(batch.accountId) ?? 0;
  if (plan.totalPrice > available) {
    throw new GatewayError('INSUFFICIENT_BALANCE', undefined, { required: plan.totalPrice, balance: available });
  }
  const reservations = await reserveQuota(batch.appId, plan.accepted.length, deps);
  let stored: boolean;
  try {
    stored = await deps.store.create(batch, plan.accepted, claim);
  } catch (error) {
    await deps.quota?.release(reservations).catch(() => undefined);
    throw error;
  }
  if (!stored) {
    await deps.quota?.release(reservations).catch(() => undefined);
    return 'duplicate';
  }
  try {
    await deps.queues.expandBatch(`batch:${batch.id}`, batch.id);
  } catch (error) {
    await deps.store.abandon(batch.id, claim).catch(() => undefined);
    await deps.quota?.release(reservations).catch(() => undefined);
    throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: (error as Error).message });
  }
  return 'created';
}

async function reserveQuota(appId: string, count: number, deps: CreateBatchDeps): Promise<readonly QuotaReservationRef[]> {
  if (!deps.quota) return [];
  const limit = (await deps.quota.quotas([appId])).get(appId);
  if (limit === null || limit === undefined) return [];
  const now = deps.now();
  const verdict = await deps.quota.reserve([{ appId, limit, count }], now);
  if (!verdict.allowed[0]) {
    throw new GatewayError('QUOTA_EXCEEDED', `over the app's monthly quota of ${limit} messages`, { limit, requested: count }, secondsUntilNextMonth(now));
  }
  return verdict.reservations;
}

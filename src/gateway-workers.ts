/**
 * The workers role of the composition root (gateway.ts): the carrier side,
 * the BullMQ stage workers, their schedules, the queue-loss recovery and the
 * retention job. Everything it starts is stopped through `stops`.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Config } from './config/env';
import type { CarrierConfig } from './carriers/types';
import type { AppStore } from './db/app-store';
import { BillingStore } from './db/billing-store';
import type { PgDeadLetterStore } from './db/dead-letter-store';
import { PgExpiryStore } from './db/expiry-store';
import { createDb, type Db } from './db/knex';
import type { MessageStore } from './db/message-store';
import { PgRecoveryStore } from './db/recovery-store';
import type { RollupStore } from './db/rollup-store';
import type { createBillingWiring } from './gateway-billing';
import { startCarrierSide, type CarrierSide } from './gateway-carriers';
import { batchExpansion } from './gateway-campaigns';
import type { createPolicy } from './gateway-policy';
import type { GatewayOptions } from './gateway';
import type { Logger } from './log';
import type { Metrics } from './metrics/registry';
import { createDeliverHandler } from './pipeline/inbound';
import { requeueWaiting } from './pipeline/queue-recovery';
import type { Finalized } from './pipeline/types';
import { startRetentionJob } from './retention/retention-queue';
import type { LiveRouting } from './routing/live-routing';
import { AccountDispatchCaps } from './workers/account-dispatch-caps';
import { RedisCarrierIdMap } from './workers/carrier-id-map';
import { pausableCarrierPort, type RedisCarrierPauses } from './workers/carrier-pauses';
import type { CarrierStateBoard } from './workers/carrier-state';
import { startWorkers } from './workers/processors';
import { QueueLossWatch } from './workers/queue-loss-watch';
import { RedisTpsPermits } from './workers/redis-tps-permits';
import { queuePrefix, type BullStageQueues } from './workers/stage-queues';

export interface WorkersRoleDeps {
  readonly config: Config;
  readonly options: GatewayOptions;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly db: Db;
  readonly redis: Redis;
  readonly queues: BullStageQueues;
  readonly billing: ReturnType<typeof createBillingWiring>;
  readonly routing: LiveRouting<CarrierConfig>;
  readonly board: CarrierStateBoard;
  readonly processId: string;
  readonly carrierPauses: RedisCarrierPauses;
  readonly messageStore: MessageStore;
  readonly deadLetters: PgDeadLetterStore;
  readonly policy: ReturnType<typeof createPolicy>;
  readonly onFinalized: (finalized: readonly Finalized[]) => Promise<void>;
  readonly apps: AppStore;
  readonly rollupStore: RollupStore;
  /** The gateway's stop list: what this role starts is pushed here. */
  readonly stops: Array<() => Promise<void> | void>;
}

/** Starts the workers role; returns the carrier side (routing reloads sync its carriers). */
export async function startWorkersRole(d: WorkersRoleDeps): Promise<CarrierSide> {
  const { config, options, log, metrics, db, redis, queues, billing, routing, board, processId, carrierPauses, messageStore, deadLetters, policy, onFinalized, apps, rollupStore, stops } = d;
  const workerRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  workerRedis.on('error', (error) => log.debug({ err: error }, 'redis worker connection error'));
  const moStage = billing.moStage();
  const inbound = createDeliverHandler({
    queues,
    storeMo: moStage.storeMo,
    now: () => new Date(),
    onUnreadableReceipt: () => metrics.receiptsUnmatched.inc(),
  });
  const carrierSide = startCarrierSide({
    redis,
    keyPrefix: queuePrefix(config.queuePrefix),
    log,
    metrics,
    board,
    processId,
    carriers: () => routing.carriers(),
    onDeliver: inbound.handle,
    tuning: { bindLeaseMs: config.carrierBindLeaseMs, ...options.carriers },
  });
  const idMap = new RedisCarrierIdMap(redis, `${queuePrefix(config.queuePrefix)}`);
  const retryBaseDelayMs = options.retryBaseDelayMs;
  const expansion = batchExpansion({ db, queues, metrics });
  const workers = startWorkers({
    connection: workerRedis,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    expressConcurrency: config.dispatchExpressConcurrency,
    stalledMs: config.workerStalledMs,
    log: log.child({ module: 'workers' }),
    review: {
      store: messageStore,
      queues,
      review: policy.review,
      onFinalized: async (finalized) => {
        await onFinalized(finalized);
      },
      onCharged: (amount) => metrics.billingCharged.inc(amount),
    },
    dispatch: {
      store: messageStore,
      deadLetters,
      queues,
      carriers: pausableCarrierPort(carrierSide.port, carrierPauses),
      routing,
      idMap,
      now: () => new Date(),
      onFinalized,
      onSubmitResult: (carrierId, result) =>
        metrics.carrierSubmits.inc({ carrier: routing.carrier(carrierId)?.name ?? 'unknown', result }),
      onDeadLettered: (count) => metrics.messagesDeadLettered.inc(count),
      onRequeued: (reason, count) => metrics.dispatchRequeued.inc({ reason }, count),
      ...(retryBaseDelayMs !== undefined ? { retryBaseDelayMs } : {}),
      ...(options.dispatchWait?.baseDelayMs !== undefined ? { waitBaseDelayMs: options.dispatchWait.baseDelayMs } : {}),
      ...(options.dispatchWait?.maxDelayMs !== undefined ? { waitMaxDelayMs: options.dispatchWait.maxDelayMs } : {}),
      // Per-account dispatch rate caps: the cap from PostgreSQL (cached 2 s), permits from Redis shared by every process.
      caps: new AccountDispatchCaps(new BillingStore(db), new RedisTpsPermits(redis, queuePrefix(config.queuePrefix))),
      onCapsError: (error) => log.warn({ err: error }, 'account dispatch caps unavailable; this batch went uncapped'),
    },
    reconcile: {
      store: messageStore,
      idMap,
      queues,
      onFinalized,
      onUnmatched: (count) => metrics.receiptsUnmatched.inc(count),
      ...(retryBaseDelayMs !== undefined ? { retryBaseDelayMs } : {}),
    },
    notifyConcurrency: config.callbackConcurrency,
    notify: {
      queues,
      secretOf: (appId) => apps.signingSecret(appId),
      ...billing.notify,
      onResult: (ok) => metrics.callbacks.inc({ result: ok ? 'ok' : 'error' }),
      ...(retryBaseDelayMs !== undefined ? { retryBaseDelayMs } : {}),
    },
    expiry: { store: new PgExpiryStore(db), onFinalized },
    heldTimeout: policy.heldSweep,
    rollup: { rollUp: () => rollupStore.catchUp() },
    batch: expansion,
  });
  await queues.scheduleSweep(options.sweepIntervalMs ?? 5_000);
  await queues.scheduleRollup(options.rollupIntervalMs ?? 60_000);
  // Redis lost its data (restart without persistence, empty replica): jobs and the sweep's
  // schedule are gone; re-create them from PostgreSQL (workers/queue-loss-watch.ts).
  const recoveryStore = new PgRecoveryStore(db);
  const lossWatch = new QueueLossWatch({
    redis,
    keyPrefix: queuePrefix(config.queuePrefix),
    log: log.child({ module: 'queue-recovery' }),
    ...(options.queueLossCheckMs !== undefined ? { intervalMs: options.queueLossCheckMs } : {}),
    recover: async () => {
      await queues.scheduleSweep(options.sweepIntervalMs ?? 5_000);
      await queues.scheduleRollup(options.rollupIntervalMs ?? 60_000);
      const requeued = await requeueWaiting({
        store: recoveryStore,
        queues,
        runId: randomUUID(),
        batches: { unexpanded: () => expansion.unexpanded(), expand: (jobId, batchId) => queues.expandBatch(jobId, batchId) },
      });
      log.warn(requeued, 'queue recovery: waiting messages re-enqueued');
    },
  });
  lossWatch.start();
  stops.push(() => lossWatch.stop());
  stops.push(billing.startSweeps());
  stops.push(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await carrierSide?.close();
    await inbound.drain();
    await moStage.drain();
    workerRedis.disconnect();
  });
  // Monthly partitions ahead, and messages older than MESSAGE_RETENTION_DAYS dropped (src/retention).
  // Creating and dropping partitions is DDL: with least-privilege roles it runs as the owner.
  const ddlDb = config.migrationDatabaseUrl ? createDb(config.migrationDatabaseUrl, 2, (message) => log.debug({ module: 'db' }, message)) : db;
  if (ddlDb !== db) stops.push(() => ddlDb.destroy());
  const retention = await startRetentionJob({
    db: ddlDb,
    connection: workerRedis,
    prefix: queuePrefix(config.queuePrefix),
    retentionDays: config.messageRetentionDays,
    everyMs: config.retentionIntervalSeconds * 1000,
    log: log.child({ module: 'retention' }),
  });
  stops.push(() => retention.close());
  return carrierSide;
}

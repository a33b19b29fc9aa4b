/**
 * The composition of issue 7's money and delivery side, so gateway.ts only
 * wires it in: rate overrides, credit limits and monthly quotas for accept
 * (cached, plus the shared Redis counter), idempotency keys, MO routing,
 * callback dead letters with per-host limits, and the API's dependencies.
 */
import { GatewayError } from './core/errors';
import { BillingCache } from './billing/billing-cache';
import { monthStart } from './billing/monthly-quota';
import type { Config } from './config/env';
import { BillingStore } from './db/billing-store';
import { CallbackStore } from './db/callback-store';
import { IdempotencyStore } from './db/idempotency-store';
import type { Db } from './db/knex';
import type { MessageStore } from './db/message-store';
import { MoStore } from './db/mo-store';
import { NumberStore } from './db/number-store';
import type { BillingApiDeps } from './http/billing-deps';
import type { Logger } from './log';
import type { Metrics } from './metrics/registry';
import type { QuotaPort } from './pipeline/accept-limits';
import type { EsmeOutbox } from './pipeline/esme-notify';
import { createMoStage } from './pipeline/mo-routing';
import { HostLimiter, type NotifyDeps } from './pipeline/notify';
import { webhookClient } from './http/webhook-client';
import type { AcceptStore, StageQueues } from './pipeline/ports';
import { RedisMonthlyQuota } from './workers/redis-monthly-quota';
import type { Redis } from 'ioredis';

export interface BillingWiringDeps {
  readonly config: Config;
  readonly db: Db;
  readonly redis: Redis;
  /** e.g. "{smsgw}". */
  readonly keyPrefix: string;
  readonly messageStore: MessageStore;
  readonly queues: StageQueues;
  readonly outbox: EsmeOutbox;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export interface BillingWiring {
  /** The Acceptor's store: balances from the cache (balance + credit limit), writes to PostgreSQL. */
  readonly acceptStore: AcceptStore;
  readonly quota: QuotaPort;
  readonly idempotency: IdempotencyStore;
  /** Prices of an account's submissions when it has rate overrides (SMPP and HTTP). */
  pricing(accountId: string): Promise<((to: string) => number | undefined) | undefined>;
  /** The mo stage (the inbound handler's storeMo). */
  moStage(): { storeMo: ReturnType<typeof createMoStage>['storeMo']; drain: () => Promise<void> };
  /** What the notify worker adds to NotifyDeps: attempts, dead letters, per-host limit, timeouts. */
  readonly notify: Pick<NotifyDeps, 'maxAttempts' | 'deadLetter' | 'onDeadLettered' | 'hostLimiter' | 'post'>;
  readonly api: BillingApiDeps;
  /** Deletes expired idempotency keys every `everyMs` (workers role); returns the stop. */
  startSweeps(everyMs?: number): () => void;
}

export function createBillingWiring(d: BillingWiringDeps): BillingWiring {
  const store = new BillingStore(d.db);
  const cache = new BillingCache(store, {
    freshMs: d.config.billingCacheMs,
    maxStaleMs: Math.max(5_000, d.config.billingCacheMs),
    onError: (error) => d.log.warn({ err: error }, 'billing cache refresh failed'),
  });
  const counters = new RedisMonthlyQuota(d.redis, d.keyPrefix, (appIds, since) => store.acceptedSince(appIds, since));
  const idempotency = new IdempotencyStore(d.db, (messages, trx) => d.messageStore.insertAccepted(messages, trx));
  const callbacks = new CallbackStore(d.db);
  const numbers = new NumberStore(d.db);
  const mos = new MoStore(d.db);

  const pricing = async (accountId: string) => {
    const rates = await cache.rates(accountId).catch((error: unknown) => {
      throw new GatewayError('QUEUE_UNAVAILABLE', undefined, { cause: String(error) });
    });
    return rates.size > 0 ? (to: string) => rates.partPrice(to) : undefined;
  };

  // Idle keep-alive sockets are unref'd by node's agent: nothing to close at stop.
  const { post } = webhookClient(d.config.callbackTimeoutMs, d.config.callbackHostConcurrency);

  const api: BillingApiDeps = {
    rates: (accountId) => cache.rates(accountId),
    store,
    quotaUsed: async (appId, now) => {
      const used = await counters.usedOrUndefined(appId, now);
      if (used !== undefined) return used;
      return (await store.acceptedSince([appId], monthStart(now))).get(appId) ?? 0;
    },
    invalidateAccount: (accountId) => cache.invalidateAccount(accountId),
    invalidateApp: (appId) => cache.invalidateApp(appId),
    numbers,
    mo: mos,
    deadCallbacks: {
      list: (filter) => callbacks.list(filter),
      retry: async (id, appId, actor) => {
        const entry = await callbacks.get(id, appId);
        if (!entry) return false;
        // Enqueued first: if that fails the entry stays; if removing fails, a second retry is harmless (at least once).
        await d.queues.callbacks(`deadretry:${id}:${Date.now()}`, [{ appId: entry.appId, url: entry.url, body: entry.body, kind: entry.kind }]);
        await callbacks.remove(id, appId, { actor, action: 'retry' });
        return true;
      },
      remove: (id, appId, actor) => callbacks.remove(id, appId, { actor, action: 'discard' }),
    },
    idempotency,
  };

  return {
    acceptStore: {
      balances: (accountIds) => cache.available(accountIds),
      insertAccepted: (messages) => d.messageStore.insertAccepted(messages),
      abandonAccepted: (ids, reason) => d.messageStore.abandonAccepted(ids, reason),
    },
    quota: {
      quotas: (appIds) => cache.quotas(appIds),
      reserve: (requests, now) => counters.reserve(requests, now),
      release: (reservations) => counters.release(reservations),
    },
    idempotency,
    pricing,
    moStage: () =>
      createMoStage({
        store: mos,
        queues: d.queues,
        outbox: d.outbox,
        onStored: ({ routed, unrouted }) => {
          d.metrics.moReceived.inc(routed + unrouted);
          if (unrouted > 0) d.metrics.moUnrouted.inc(unrouted);
        },
      }),
    notify: {
      maxAttempts: d.config.callbackMaxAttempts,
      deadLetter: (entries) => callbacks.insert(entries),
      onDeadLettered: (count) => d.metrics.callbacksDeadLettered.inc(count),
      hostLimiter: new HostLimiter(d.config.callbackHostConcurrency),
      post,
    },
    api,
    startSweeps(everyMs = 10 * 60_000) {
      const sweep = () =>
        void idempotency
          .sweep()
          .then((n) => n > 0 && d.log.debug({ deleted: n }, 'expired idempotency keys deleted'))
          .catch((error: unknown) => d.log.warn({ err: error }, 'idempotency key sweep failed'));
      sweep();
      const timer = setInterval(sweep, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

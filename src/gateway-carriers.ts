/**
 * The carrier side of a workers process, composed (part of the composition
 * root, beside gateway.ts): the session pool (binds, windows, maxTps over
 * permits shared in Redis), the guard in front of it (a breaker and a
 * throttle pause per carrier) that the dispatcher submits through, the
 * pool kept in step with the carriers LiveRouting loads (add, change,
 * disable, delete take effect without a restart, in every process), and
 * the bind slots shared with the other workers processes through Redis
 * leases (BindLeaseKeeper: together never more binds than a carrier's
 * `binds`), and the live state published every second: GET /carriers (through the
 * CarrierStateBoard), smsgw_carrier_breaker_state{carrier} and
 * smsgw_smpp_sessions{side="carrier"}.
 */
import type { Redis } from 'ioredis';
import { BindLeaseKeeper } from './carriers/bind-lease-keeper';
import type { CarrierClientTimings } from './carriers/carrier-client';
import { CarrierGuard, type BreakerOptions } from './carriers/carrier-guard';
import { CarrierPool } from './carriers/carrier-pool';
import type { ThrottlePauseOptions } from './carriers/throttle-pause';
import { BREAKER_GAUGE, type CarrierConfig, type CarrierPort, type DeliverHandler } from './carriers/types';
import type { Logger } from './log';
import type { Metrics } from './metrics/registry';
import type { CarrierStateBoard } from './workers/carrier-state';
import { RedisBindLeases } from './workers/redis-bind-leases';
import { RedisTpsPermits } from './workers/redis-tps-permits';

/** Carrier timings and protection; defaults are production values, tests shorten them. */
export interface CarrierTuning extends CarrierClientTimings {
  /** Longest wait for a maxTps permit before a message waits for a later run, ms (default 2_000). */
  readonly maxTpsWaitMs?: number;
  readonly breaker?: BreakerOptions;
  readonly pause?: ThrottlePauseOptions;
  /** Bind-slot lease life, ms (CARRIER_BIND_LEASE_MS; tests shorten it). */
  readonly bindLeaseMs?: number;
}

export interface CarrierSide {
  /** What the dispatcher submits through (guarded). */
  readonly port: CarrierPort;
  /** Brings the pool in line with the carriers as loaded (LiveRouting's callback). */
  sync(carriers: readonly CarrierConfig[]): void;
  close(): Promise<void>;
}

export interface CarrierSideDeps {
  readonly redis: Redis;
  /** Hash-tagged key prefix, e.g. "{smsgw}". */
  readonly keyPrefix: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly board: CarrierStateBoard;
  readonly processId: string;
  readonly carriers: () => readonly CarrierConfig[];
  readonly onDeliver: DeliverHandler;
  readonly tuning?: CarrierTuning;
}

const PUBLISH_INTERVAL_MS = 1_000;

export function startCarrierSide(deps: CarrierSideDeps): CarrierSide {
  const log = deps.log.child({ module: 'carriers' });
  const { maxTpsWaitMs, breaker, pause, bindLeaseMs, ...timings } = deps.tuning ?? {};
  let tpsWarned = false;
  const pool = new CarrierPool({
    ...timings,
    ...(maxTpsWaitMs !== undefined ? { maxTpsWaitMs } : {}),
    onDeliver: deps.onDeliver,
    logger: log,
    leasedBinds: true,
    tpsPermits: new RedisTpsPermits(deps.redis, deps.keyPrefix),
    onTpsSourceError: (error) => {
      if (!tpsWarned) log.warn({ err: error }, 'shared TPS permits unavailable; capping per process for now');
      tpsWarned = true;
    },
  });
  const leases = new BindLeaseKeeper({
    source: new RedisBindLeases(deps.redis, deps.keyPrefix),
    owner: deps.processId,
    pool,
    logger: log,
    ...(bindLeaseMs !== undefined ? { ttlMs: bindLeaseMs } : {}),
  });
  const nameOf = (id: string) => deps.carriers().find((c) => c.id === id)?.name ?? id;
  const guard = new CarrierGuard(pool, {
    ...(breaker ? { breaker } : {}),
    ...(pause ? { pause } : {}),
    onBreakerState: (carrierId, state) => {
      deps.metrics.carrierBreakerState.set({ carrier: nameOf(carrierId) }, BREAKER_GAUGE[state]);
      log.warn({ carrier: nameOf(carrierId), breaker: state }, 'carrier breaker state changed');
    },
  });

  const sync = (carriers: readonly CarrierConfig[]): void => {
    const wanted = new Set<string>();
    for (const carrier of carriers) {
      if (!carrier.enabled || carrier.deleted) continue;
      wanted.add(carrier.id);
      void pool.upsert(carrier);
    }
    for (const id of pool.carrierIds()) {
      if (wanted.has(id)) continue;
      void pool.remove(id);
      guard.forget(id);
    }
    leases.kick(); // new carriers get their slots now, not at the next renewal
  };
  sync(deps.carriers());

  let published = new Set<string>();
  const publish = (): void => {
    const live = deps.carriers().filter((c) => !c.deleted);
    const states = live.map((c) => ({
      ...(pool.liveState(c.id) ?? { carrierId: c.id, boundSessions: 0, configuredBinds: 0, inFlight: 0 }),
      breaker: guard.breakerState(c.id),
    }));
    const names = new Set(live.map((c) => c.name));
    live.forEach((c, i) => deps.metrics.carrierBreakerState.set({ carrier: c.name }, BREAKER_GAUGE[states[i]!.breaker]));
    for (const name of published) if (!names.has(name)) deps.metrics.carrierBreakerState.remove({ carrier: name });
    published = names;
    deps.metrics.smppSessions.set({ side: 'carrier' }, states.reduce((n, s) => n + s.boundSessions, 0));
    void deps.board.publish(states, deps.processId).catch(() => undefined);
  };
  const publisher = setInterval(publish, PUBLISH_INTERVAL_MS);
  publisher.unref();

  return {
    port: guard,
    sync,
    async close() {
      clearInterval(publisher);
      guard.close();
      await leases.stop();
      await pool.close();
    },
  };
}

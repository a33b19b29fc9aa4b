/**
 * Carrier bind slots shared by workers processes (DESIGN.md "Scale-out"):
 * two gateways of one deployment against an SMSC that refuses a fourth
 * bind of our system_id. Together they never open more binds than the
 * carrier's `binds`, both carry traffic, and a process's slots go to the
 * other when it stops, or when its leases run out (a process that died).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBindLeases } from '../../../src/workers/redis-bind-leases';
import { queuePrefix } from '../../../src/workers/stage-queues';
import { addSimCarrier, allFinal, bound, FAST_CARRIERS, numbers, putRoutes, send, type SimCarrier } from '../../helpers/carriers';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

const LEASE_MS = 1_000;
const options = { ...FAST_CARRIERS, carriers: { ...FAST_CARRIERS.carriers, bindLeaseMs: LEASE_MS } };

let a: TestGateway;
let creds: AppCreds;
let carrier: SimCarrier;

beforeAll(async () => {
  // No built-in simulator carrier: the session gauge counts this carrier's binds only.
  a = await startTestGateway({ ...options, env: { SIMULATOR: '0' } });
  ({ creds } = await a.customer(10_000_000));
  carrier = await addSimCarrier(a, 'limited', { sim: { maxBindsPerSystemId: 3 }, carrier: { binds: 3, window: 20 } });
  await putRoutes(a, [{ prefix: '', carriers: ['limited'], price: 5 }]);
  await bound(carrier, 3);
});

afterAll(async () => {
  await a?.stop();
  await carrier?.sim.stop();
});

/** Carrier sessions this gateway process holds bound: its smsgw_smpp_sessions{side="carrier"}, set every second. */
async function carrierSessions(t: TestGateway): Promise<number> {
  const metric = await t.gw.metrics.smppSessions.get();
  return metric.values.find((v) => v.labels.side === 'carrier')?.value ?? 0;
}

async function submitsOf(t: TestGateway): Promise<number> {
  const metric = await t.gw.metrics.carrierSubmits.get();
  return metric.values.filter((v) => v.labels.carrier === 'limited' && v.labels.result === 'accepted').reduce((n, v) => n + v.value, 0);
}

describe('bind slots across workers processes', () => {
  it('are split between two processes without ever exceeding the carrier limit, and both carry traffic', async () => {
    await eventually(async () => ((await carrierSessions(a)) === 3 ? true : undefined), 3_000, 'the first process to hold every bind');
    const b = await startTestGateway({ ...options, joinOf: a, env: { SIMULATOR: '0' } });
    try {
      const split = await eventually(
        async () => {
          const mine = [await carrierSessions(a), await carrierSessions(b)];
          return mine[0]! >= 1 && mine[1]! >= 1 && mine[0]! + mine[1]! === 3 ? mine : undefined;
        },
        5_000,
        'the second process to get its share of the binds',
      );
      expect(split.sort()).toEqual([1, 2]);
      expect(carrier.sim.boundSessions).toBe(3);

      // Separate requests, so the dispatch jobs spread over both processes' workers.
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(...(await send(a, creds, numbers('3170', 10, i * 10))));
      const final = await allFinal(a, ids, 20_000);
      expect([...final.values()].every((s) => s === 'delivered')).toBe(true);
      const [fromA, fromB] = [await submitsOf(a), await submitsOf(b)];
      expect(fromA).toBeGreaterThan(0);
      expect(fromB).toBeGreaterThan(0);
    } finally {
      await b.stop();
    }
    // The stopped process unbound and gave its slots back: the first one takes them all.
    await eventually(async () => ((await carrierSessions(a)) === 3 ? true : undefined), 5_000, 'the first process to bind every slot again');
    expect(carrier.sim.peakBinds).toBe(3);
    expect(carrier.sim.stats.bindsRefused).toBe(0);
  });

  it("go to the live process once a dead process's leases run out", async () => {
    const redis = new Redis(a.gw.config.redisUrl);
    const leases = new RedisBindLeases(redis, queuePrefix(a.gw.config.queuePrefix));
    try {
      // A process that registers, takes the slot it is given up to its share, and then dies
      // (renews nothing). Its heartbeat makes the live process give a slot back first.
      const ghost = 'ghost-process';
      const ghostShare = async () => {
        await leases.heartbeat(ghost, LEASE_MS);
        return leases.claim(carrier.id, 3, ghost, 1, LEASE_MS);
      };
      const taken = await eventually(async () => {
        const held = await ghostShare();
        return held.length === 1 ? held : undefined;
      }, 5_000, 'a slot to be given back to the other process');
      await eventually(async () => ((await carrierSessions(a)) === 2 ? true : undefined), 3_000, 'the live process to hold two');
      const diedAt = Date.now();
      const back = await eventually(async () => ((await carrierSessions(a)) === 3 ? Date.now() : undefined), 5_000, 'the live process to take the dead one\'s slot');
      expect(back - diedAt).toBeGreaterThanOrEqual(LEASE_MS / 2);
      expect(await leases.claim(carrier.id, 3, 'someone-else', 1, LEASE_MS)).toEqual([]);
      expect(taken[0]).toBeGreaterThanOrEqual(0);
      expect(carrier.sim.peakBinds).toBe(3);
      expect(carrier.sim.stats.bindsRefused).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});

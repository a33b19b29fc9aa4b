/**
 * Fair admission in the carrier pool against a real SMPP simulator: with one
 * account's backlog waiting on a carrier's maxTps, another account's express
 * submit goes out with the next permit and a third account's normal submit
 * right after it (round robin), in the order the simulator received them;
 * waiters that gave up are skipped, never sent; removing the carrier
 * answers every waiter.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CarrierPool, type CarrierPoolOptions } from '../../../src/carriers/carrier-pool';
import type { CarrierConfig, OutboundPart, SubmitOrder, SubmitOutcome } from '../../../src/carriers/types';
import { SmscSimulator } from '../../../src/simulator';
import { waitFor } from '../../helpers/wait';

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function harness(maxTps: number, pool: Partial<CarrierPoolOptions> = {}) {
  const sim = new SmscSimulator({ dlrDelayMs: 20 });
  const { port } = await sim.start();
  cleanups.push(() => sim.stop());
  const p = new CarrierPool({ logger, onDeliver: async () => undefined, reconnectInitialMs: 20, reconnectMaxMs: 100, ...pool });
  cleanups.push(() => p.close());
  const config: CarrierConfig = {
    id: 'c1',
    name: 'sim',
    host: '127.0.0.1',
    port,
    systemId: 'acme',
    password: 'secret',
    systemType: '',
    binds: 1,
    window: 10,
    maxTps,
    enabled: true,
  };
  await p.upsert(config);
  await waitFor(() => p.liveState('c1')?.boundSessions === 1);
  return { sim, pool: p };
}

function part(to: string): OutboundPart {
  return { sourceAddr: 'ACME', sourceAddrTon: 5, sourceAddrNpi: 0, destinationAddr: to, dataCoding: 0, esmClass: 0, shortMessage: Buffer.from('hi'), registeredDelivery: 0 };
}

const order = (accountId: string, priority: SubmitOrder['priority'] = 'normal'): SubmitOrder => ({ accountId, priority });

describe('fair admission at a carrier', () => {
  it("lets another account's express submit go with the next permit, and a third account's normal one right after, past a backlog", async () => {
    const h = await harness(100, { maxTpsWaitMs: 5_000 });
    const backlog = Array.from({ length: 200 }, (_, i) => h.pool.submit('c1', part(`4412${String(i).padStart(8, '0')}`), order('A')));
    await waitFor(() => h.sim.received.length >= 20);

    const at = h.sim.received.length;
    const express = h.pool.submit('c1', part('441300000001'), order('B', 'express'));
    const normal = h.pool.submit('c1', part('441400000001'), order('C'));
    expect((await express).kind).toBe('accepted');
    expect((await normal).kind).toBe('accepted');
    const index = (to: string) => h.sim.received.findIndex((s) => s.destinationAddr === to);
    // At most the submits already admitted (permit and slot in hand) when they came are ahead of them.
    expect(index('441300000001') - at).toBeLessThanOrEqual(3);
    expect(index('441400000001') - index('441300000001')).toBeLessThanOrEqual(3);
    expect(h.sim.received.length).toBeLessThan(60); // A's backlog was still waiting

    const outcomes = await Promise.all(backlog);
    expect(outcomes.every((o) => o.kind === 'accepted')).toBe(true);
  });

  it('answers over-tps to a waiter that waited maxTpsWaitMs, never sends it, and goes on with the others', async () => {
    const h = await harness(50, { maxTpsWaitMs: 300 });
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => h.pool.submit('c1', part(`4415${String(i).padStart(8, '0')}`), order('A'))));
    const accepted = outcomes.filter((o) => o.kind === 'accepted').length;
    expect(accepted).toBeGreaterThan(5);
    expect(accepted).toBeLessThan(60);
    expect(outcomes.filter((o) => o.kind !== 'accepted')).toEqual(
      Array.from({ length: 60 - accepted }, () => expect.objectContaining({ kind: 'unavailable', cause: 'over-tps' })),
    );
    expect(h.sim.received.length).toBe(accepted);
    expect((await h.pool.submit('c1', part('441500009999'), order('B'))).kind).toBe('accepted');
  });

  it('answers every waiter when the carrier is removed', async () => {
    const h = await harness(20, { maxTpsWaitMs: 5_000 });
    const waiting = Array.from({ length: 30 }, (_, i) => h.pool.submit('c1', part(`4416${String(i).padStart(8, '0')}`), order(`acct-${i % 3}`)));
    await waitFor(() => h.sim.received.length >= 1);
    await h.pool.remove('c1');
    const outcomes: SubmitOutcome[] = await Promise.all(waiting);
    expect(outcomes.filter((o) => o.kind === 'unavailable' && o.cause === 'unknown-carrier').length).toBeGreaterThan(20);
  });
});

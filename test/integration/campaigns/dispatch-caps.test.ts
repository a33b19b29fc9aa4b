/**
 * Per-account dispatch rate caps on real PostgreSQL, Redis, BullMQ and an
 * SMPP simulator: the operator caps an account through PATCH
 * /api/v1/accounts/:id; the simulator's receive times show the cap holding
 * while an uncapped account sending at the same time is not slowed; the
 * PATCH validates its input, is audited, and null removes the cap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../helpers/gateway';
import { addSimCarrier, allFinal, bound, numbers, putRoutes, send, type SimCarrier } from '../../helpers/carriers';

const CAP = 20;

let t: TestGateway;
let carrier: SimCarrier;

beforeAll(async () => {
  t = await startTestGateway();
  carrier = await addSimCarrier(t, 'open');
  await bound(carrier, 2);
  await putRoutes(t, [{ prefix: '', carriers: ['open'], price: 5 }]);
});

afterAll(async () => {
  await t?.stop();
  await carrier?.sim.stop();
});

/** The most items whose times fall within any `windowMs`-long window. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** smsgw_dispatch_requeued_total{reason} of this gateway. */
async function requeued(reason: string): Promise<number> {
  const metric = await t.gw.metrics.dispatchRequeued.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('an account capped at 20 messages per second', () => {
  it('gets its 100 messages to the carrier at that rate, while an uncapped account at the same time is not slowed', { timeout: 60_000 }, async () => {
    const capped = await t.customer(100_000);
    const free = await t.customer(100_000);
    const patched = await t.admin('PATCH', `/api/v1/accounts/${capped.accountId}`, { dispatchRatePerSecond: CAP });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: capped.accountId, dispatchRatePerSecond: CAP, creditLimit: 0 });
    expect((await t.admin('GET', `/api/v1/accounts/${capped.accountId}`)).body).toMatchObject({ dispatchRatePerSecond: CAP });
    expect((await t.admin('GET', `/api/v1/accounts/${free.accountId}`)).body).toMatchObject({ dispatchRatePerSecond: null });

    const deferredBefore = await requeued('deferred');
    const sentAt = Date.now();
    const [cappedIds, freeIds] = await Promise.all([send(t, capped.creds, numbers('4421', 100)), send(t, free.creds, numbers('4422', 100))]);
    const final = await allFinal(t, [...cappedIds, ...freeIds], 30_000);
    expect([...final.values()].filter((s) => s !== 'delivered')).toEqual([]);

    const timesOf = (prefix: string) => carrier.accepted().filter((s) => s.destinationAddr.startsWith(prefix)).map((s) => s.receivedAt);
    const cappedTimes = timesOf('4421');
    const freeTimes = timesOf('4422');
    expect(cappedTimes).toHaveLength(100);
    expect(freeTimes).toHaveLength(100);
    // A burst of one second's worth, then 20 per second: the other 80 take about 4 s.
    expect(Math.max(...cappedTimes) - Math.min(...cappedTimes)).toBeGreaterThanOrEqual(3_500);
    // Any second holds at most the cap plus the burst (a few more for how long each grant took to reach the carrier).
    expect(busiestWindow(cappedTimes, 1_000)).toBeLessThanOrEqual(2 * CAP + 3);
    // The uncapped account went straight through, long before the capped one was done.
    expect(Math.max(...freeTimes) - sentAt).toBeLessThan(2_500);
    expect(Math.max(...freeTimes)).toBeLessThan(Math.max(...cappedTimes) - 1_500);
    // The 80 beyond the first second's burst were deferred at least once each, and shown.
    expect((await requeued('deferred')) - deferredBefore).toBeGreaterThanOrEqual(60);
  });
});

describe('PATCH /api/v1/accounts/:id {dispatchRatePerSecond}', () => {
  it('takes a positive whole number or null, audited with before and after; anything else is a 400 with a JSON error', async () => {
    const { accountId } = await t.customer(0);
    for (const bad of [0, -5, 2.5, '10', true]) {
      const r = await t.admin('PATCH', `/api/v1/accounts/${accountId}`, { dispatchRatePerSecond: bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    expect((await t.admin('PATCH', `/api/v1/accounts/${accountId}`, {})).status).toBe(400);

    expect((await t.admin('PATCH', `/api/v1/accounts/${accountId}`, { dispatchRatePerSecond: 50 })).body).toMatchObject({ dispatchRatePerSecond: 50 });
    const both = await t.admin('PATCH', `/api/v1/accounts/${accountId}`, { creditLimit: 300, dispatchRatePerSecond: null });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ creditLimit: 300, dispatchRatePerSecond: null });
    expect((await t.admin('GET', `/api/v1/accounts/${accountId}`)).body).toMatchObject({ creditLimit: 300, dispatchRatePerSecond: null });
    // Leaving a field out keeps it.
    expect((await t.admin('PATCH', `/api/v1/accounts/${accountId}`, { dispatchRatePerSecond: 7 })).body).toMatchObject({ creditLimit: 300, dispatchRatePerSecond: 7 });

    const { rows } = await t.gw.db.raw(`SELECT before, after FROM audit_log WHERE entity = 'account' AND entity_id = ? AND action = 'update' ORDER BY id`, [accountId]);
    expect(rows).toEqual([
      { before: { dispatchRatePerSecond: null }, after: { dispatchRatePerSecond: 50 } },
      { before: { creditLimit: 0, dispatchRatePerSecond: 50 }, after: { creditLimit: 300, dispatchRatePerSecond: null } },
      { before: { dispatchRatePerSecond: null }, after: { dispatchRatePerSecond: 7 } },
    ]);
    expect((await t.admin('PATCH', '/api/v1/accounts/00000000-0000-4000-8000-000000000000', { dispatchRatePerSecond: 5 })).status).toBe(404);
  });
});

/**
 * Fair dispatch on real PostgreSQL, Redis, BullMQ and an SMPP simulator: a
 * carrier capped at 500 submits per second carries a 20,000-number batch (campaign)
 * of account A; account B's express messages, sent while that backlog is in
 * flight, reach the carrier within a second of their submission (times from
 * the simulator's receive records), and A's backlog is delivered in full.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { addSimCarrier, allFinal, bound, numbers, putRoutes, type SimCarrier } from '../../helpers/carriers';

const BACKLOG = 20_000;
const EXPRESS = 10;

let t: TestGateway;
let carrier: SimCarrier;
let a: AppCreds;
let b: AppCreds;

beforeAll(async () => {
  t = await startTestGateway();
  ({ creds: a } = await t.customer(10_000_000));
  ({ creds: b } = await t.customer(10_000));
  carrier = await addSimCarrier(t, 'capped', { carrier: { maxTps: 500 } });
  await bound(carrier, 2);
  await putRoutes(t, [{ prefix: '', carriers: ['capped'], price: 5 }]);
});

afterAll(async () => {
  await t?.stop();
  await carrier?.sim.stop();
});

describe('fair dispatch on a carrier limited to 500 submits per second', () => {
  it("carries another account's express messages within 1 s while a 20,000-number batch is in flight, and the batch is delivered", { timeout: 120_000 }, async () => {
    const aNumbers = numbers('4412', BACKLOG);
    const bNumbers = numbers('4413', EXPRESS);
    const received = (prefix: string) => carrier.submits.filter((s) => s.destinationAddr.startsWith(prefix));

    // B has been active before (its app, balance and caps are in the gateway's caches): what is measured is the queueing.
    const warmUp = await t.asApp(b, 'POST', '/api/v1/messages', { to: '441499999999', text: 'warm-up', priority: 'express' });
    await allFinal(t, [warmUp.body.messages[0].id], 10_000);

    // A's campaign: one batch of 20,000 numbers, expanded in the background.
    const created = await t.asApp(a, 'POST', '/api/v1/batches', { to: aNumbers, text: 'campaign' });
    expect(created.status).toBe(202);
    expect(created.body.accepted).toBe(BACKLOG);
    const progress = async () => (await t.asApp(a, 'GET', `/api/v1/batches/${created.body.batchId}`)).body;
    await eventually(async () => (received('4412').length >= 6_000 ? true : undefined), 40_000, "A's backlog to be flowing");
    // A's backlog is charged and waiting for the carrier (what is measured is dispatch, not A's review competing with B's).
    await eventually(async () => {
      const p = await progress();
      return p.created === BACKLOG && p.accepted === 0 ? true : undefined;
    }, 30_000, "A's messages to be created, reviewed and charged");

    const sentAt = new Map<string, number>();
    const backlogLeft: number[] = [];
    for (const to of bNumbers) {
      backlogLeft.push(BACKLOG - received('4412').length);
      sentAt.set(to, Date.now());
      const r = await t.asApp(b, 'POST', '/api/v1/messages', { to, text: 'express', priority: 'express' });
      expect(r.status).toBe(202);
      // About 300 ms apart, paced on the carrier's own records rather than a bare sleep.
      const mark = received('4412').length;
      await eventually(async () => (received('4412').length >= mark + 150 || Date.now() - sentAt.get(to)! >= 300 ? true : undefined), 5_000, 'the next express slot');
    }
    // The backlog was in flight the whole time: thousands of A's messages had not reached the carrier yet.
    expect(Math.min(...backlogLeft)).toBeGreaterThan(5_000);

    const bReceived = await eventually(async () => (received('4413').length >= EXPRESS ? received('4413') : undefined), 10_000, "B's express messages at the carrier");
    const latencies = bNumbers.map((to) => bReceived.find((s) => s.destinationAddr === to)!.receivedAt - sentAt.get(to)!);
    expect(Math.max(...latencies), `express latencies ${latencies.join(', ')} ms`).toBeLessThanOrEqual(1_000);

    const final = await eventually(async () => {
      const p = await progress();
      return p.state === 'completed' ? p : undefined;
    }, 90_000, "A's batch to complete");
    expect(final).toMatchObject({ total: BACKLOG, delivered: BACKLOG, cost: BACKLOG * 5 });
    expect(new Set(received('4412').map((s) => s.destinationAddr)).size).toBe(BACKLOG);
  });
});

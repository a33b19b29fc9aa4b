/**
 * What carriers' errors do to messages, on real sockets: a throttling
 * carrier pauses its dispatch and loses nothing; a permanent error ends the
 * message failed and refunded without tripping the breaker; transient
 * errors are retried three times, then the message waits in the dead-letter
 * queue for an operator; a message whose carrier stays down expires and is
 * refunded even though no dispatch run looks at it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { addSimCarrier, allFinal, bound, breakerGauge, FAST_CARRIERS, numbers, putRoutes, send, statuses, type SimCarrier } from '../../helpers/carriers';

let t: TestGateway;
let creds: AppCreds;
let carrier: SimCarrier;

beforeAll(async () => {
  t = await startTestGateway(FAST_CARRIERS);
  ({ creds } = await t.customer(1_000_000));
  carrier = await addSimCarrier(t, 'flaky');
  await bound(carrier, 2);
  await putRoutes(t, [
    { prefix: '', carriers: ['simulator'], price: 5 },
    { prefix: '61', carriers: ['flaky'], price: 5 },
  ]);
});

afterAll(async () => {
  await t?.stop();
  await carrier?.sim.stop();
});

async function ledgerKinds(id: string): Promise<string[]> {
  const { rows } = await t.gw.db.raw('SELECT kind FROM ledger WHERE message_id = ? ORDER BY id', [id]);
  return rows.map((r: { kind: string }) => r.kind);
}

describe('a carrier answering ESME_RTHROTTLED', () => {
  it('pauses that carrier: only what was in flight and one probe per pause are throttled, and every message is delivered once', async () => {
    carrier.sim.setBehaviour('throttle');
    const mark = carrier.submits.length;
    const ids = await send(t, creds, numbers('6140', 400));
    const throttled = () => carrier.submits.slice(mark).filter((s) => s.commandStatus === 0x58);
    const first = await eventually(async () => throttled()[0], 5_000, 'the first throttled submit');
    // The burst that was in flight comes within a few ms; later ones are the probes after each pause.
    const probes = () => throttled().filter((s) => s.receivedAt > first.receivedAt + 50);
    await eventually(async () => (probes().length >= 4 ? true : undefined), 5_000, 'four throttled probes');
    carrier.sim.setBehaviour('normal');

    const seen = probes().slice(0, 4).map((s) => s.receivedAt);
    const spacing = seen.slice(1).map((at, i) => at - seen[i]!);
    expect(Math.min(...spacing)).toBeGreaterThanOrEqual(90); // one probe per pause (100, 200, 400 ms)
    // In flight when the first 0x58 came back: at most the two windows (2 x 50); then one probe per pause.
    expect(throttled().length - probes().length).toBeLessThanOrEqual(2 * 50);
    expect(throttled().length).toBeLessThan(400 / 2);
    const final = await allFinal(t, ids, 20_000);
    expect([...final.values()].every((s) => s === 'delivered')).toBe(true);
    const accepted = carrier.accepted().filter((s) => s.destinationAddr.startsWith('6140'));
    expect(accepted).toHaveLength(400);
    expect(new Set(accepted.map((s) => s.destinationAddr)).size).toBe(400);
  });
});

describe('a permanent carrier error', () => {
  it('ends the message failed and refunded, and never trips the breaker', async () => {
    carrier.sim.setBehaviour({ kind: 'reject', commandStatus: 0x0b });
    const ids = await send(t, creds, numbers('6141', 20));
    const final = await allFinal(t, ids, 10_000);
    carrier.sim.setBehaviour('normal');
    expect([...final.values()].every((s) => s === 'failed')).toBe(true);
    const message = (await t.asApp(creds, 'GET', `/api/v1/messages/${ids[0]}`)).body;
    expect(message).toMatchObject({ status: 'failed', errorCode: '0x0000000b' });
    expect(await ledgerKinds(ids[0]!)).toEqual(['charge', 'refund']);
    expect(await breakerGauge(t, 'flaky')).toBe(0);
    const submits = carrier.submits.filter((s) => s.destinationAddr === numbers('6141', 1)[0]);
    expect(submits).toHaveLength(1); // not retried
  });
});

describe('transient carrier errors', () => {
  it('are retried up to 3 attempts, then the message waits in the dead-letter queue until an operator requeues it', async () => {
    carrier.sim.setBehaviour({ kind: 'reject', commandStatus: 0x08 });
    const [id] = await send(t, creds, ['61420000001']);
    const entry = await eventually(async () => {
      const r = await t.admin('GET', '/api/v1/dlq');
      return r.body.items.find((i: { id: string }) => i.id === id);
    }, 10_000, 'the message to reach the dead-letter queue');
    expect(entry).toMatchObject({ id, to: '61420000001', status: 'queued', attempts: 3, requeues: 0 });
    expect(entry.reason).toContain('flaky: 0x00000008');
    expect(carrier.submits.filter((s) => s.destinationAddr === '61420000001')).toHaveLength(3);
    expect(await ledgerKinds(id!)).toEqual(['charge']); // still charged: it may yet be sent

    carrier.sim.setBehaviour('normal');
    const requeued = await t.admin('POST', `/api/v1/dlq/${id}/requeue`);
    expect(requeued).toMatchObject({ status: 202, body: { id, status: 'queued', requeues: 1 } });
    expect((await t.admin('POST', `/api/v1/dlq/${id}/requeue`)).status).toBe(404); // no longer in the queue
    const final = await allFinal(t, [id!], 10_000);
    expect(final.get(id!)).toBe('delivered');
    expect(await ledgerKinds(id!)).toEqual(['charge']);
  });

  it('a dead letter an operator discards ends failed and refunded', async () => {
    carrier.sim.setBehaviour({ kind: 'reject', commandStatus: 0x14 });
    const [id] = await send(t, creds, ['61420000002']);
    await eventually(async () => {
      const r = await t.admin('GET', '/api/v1/dlq');
      return r.body.items.find((i: { id: string }) => i.id === id);
    }, 10_000, 'the message to reach the dead-letter queue');
    carrier.sim.setBehaviour('normal');
    const discarded = await t.admin('DELETE', `/api/v1/dlq/${id}`);
    expect(discarded.body).toEqual({ id, status: 'failed', errorCode: 'DEAD_LETTER_DISCARDED', refunded: 5 });
    expect(await ledgerKinds(id!)).toEqual(['charge', 'refund']);
  });
});

describe('validity', () => {
  it('a message whose only carrier stays down ends expired and refunded when its validity ends', async () => {
    carrier.sim.setBehaviour('down');
    await eventually(async () => (carrier.sim.boundSessions === 0 ? true : undefined), 5_000, 'the carrier to drop our binds');
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '61430000001', text: 'soon stale', validity: 60 });
    const id = r.body.messages[0].id as string;
    await eventually(async () => ((await statuses(t, [id])).get(id) === 'queued' ? true : undefined), 5_000, 'the message to be charged');
    // Time passes: the validity ends while the message waits for its carrier.
    await t.gw.db.raw(`UPDATE messages SET valid_until = now() WHERE id = ?`, [id]);
    const final = await allFinal(t, [id], 5_000);
    carrier.sim.setBehaviour('normal');
    expect(final.get(id)).toBe('expired');
    const message = (await t.asApp(creds, 'GET', `/api/v1/messages/${id}`)).body;
    expect(message).toMatchObject({ status: 'expired', errorCode: 'VALIDITY_EXPIRED' });
    expect(await ledgerKinds(id)).toEqual(['charge', 'refund']);
    await bound(carrier, 2);
  });
});

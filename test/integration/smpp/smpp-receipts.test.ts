/**
 * Receipts (and MO messages) back to the client's binds, through the
 * per-app Redis stream: to a receiver/transceiver bind of the same app,
 * spread over its binds, waiting while none is bound, retried when the
 * client does not acknowledge, delivered by whichever process holds a bind.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EsmeNotice } from '../../../src/pipeline/esme-notify';
import { esmeStreamKey, RedisEsmeOutbox } from '../../../src/smpp/server/esme-outbox';
import { boundEsme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
let redis: Redis;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 }, smpp: { deliverResponseTimeoutMs: 300, deliverRetryAfterMs: 600 } });
  redis = new Redis(t.gw.config.redisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await t?.stop();
});

const submit = (esme: Awaited<ReturnType<typeof boundEsme>>, to: string, registered = 1) =>
  esme.request('submit_sm', { source_addr: 'ACME', destination_addr: to, short_message: Buffer.from(`for ${to}`), registered_delivery: registered });

async function status(creds: AppCreds, id: string): Promise<string> {
  return (await t.asApp(creds, 'GET', `/api/v1/messages/${id}`)).body.status;
}

describe('delivery receipts', () => {
  it('go to a receiver bind of the same app as deliver_sm 0x04 with the receipt text and TLVs, only when asked for', async () => {
    const { creds } = await t.customer(1000);
    const other = (await t.customer(1000)).creds;
    const tx = await boundEsme(t.smppPort, creds, 'transmitter');
    const rx = await boundEsme(t.smppPort, creds, 'receiver');
    const stranger = await boundEsme(t.smppPort, other, 'receiver');
    const wanted = await submit(tx, '989121234001');
    const unwanted = await submit(tx, '989121234002', 0);
    const receipt = await eventually(async () => rx.delivered.find((d) => d.receipted_message_id === wanted.message_id), 15_000, 'the receipt');
    expect(receipt).toMatchObject({ esm_class: 4, source_addr: '989121234001', destination_addr: 'ACME', message_state: 2 });
    const text: string = receipt.short_message.message;
    expect(text).toMatch(new RegExp(`^id:${wanted.message_id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:for 989121234001$`));
    await eventually(async () => ((await status(creds, unwanted.message_id)) === 'delivered' ? true : undefined), 15_000, 'the second delivery');
    expect(rx.delivered.some((d) => d.receipted_message_id === unwanted.message_id)).toBe(false);
    expect(stranger.received.filter((p) => p.command === 'deliver_sm')).toEqual([]);
    expect(tx.received.filter((p) => p.command === 'deliver_sm')).toEqual([]);
    for (const e of [tx, rx, stranger]) e.close();
  });

  it('wait while the app has no receiver bind and go out when one binds', async () => {
    const { creds } = await t.customer(1000);
    const tx = await boundEsme(t.smppPort, creds, 'transmitter');
    const r = await submit(tx, '989121234003');
    await eventually(async () => ((await status(creds, r.message_id)) === 'delivered' ? true : undefined), 15_000, 'delivery');
    const rx = await boundEsme(t.smppPort, creds, 'transceiver');
    const receipt = await eventually(async () => rx.delivered.find((d) => d.receipted_message_id === r.message_id), 10_000, 'the late receipt');
    expect(receipt.message_state).toBe(2);
    tx.close();
    rx.close();
  });

  it('are sent again when the client answers with an error or not at all', async () => {
    const { creds } = await t.customer(1000);
    const rx = await boundEsme(t.smppPort, creds, 'transceiver');
    const answers = ['error', 'silent', 'ok'] as const;
    let n = 0;
    rx.answer = () => answers[Math.min(n++, 2)]!;
    const r = await submit(rx, '989121234004');
    await eventually(async () => (rx.delivered.some((d) => d.receipted_message_id === r.message_id) ? true : undefined), 15_000, 'the acknowledged receipt');
    const attempts = rx.received.filter((p) => p.command === 'deliver_sm' && p.receipted_message_id === r.message_id);
    expect(attempts.length).toBe(3);
    rx.close();
  });

  it('are spread over the app binds', async () => {
    const { creds } = await t.customer(1000);
    const a = await boundEsme(t.smppPort, creds, 'transceiver');
    const b = await boundEsme(t.smppPort, creds, 'receiver');
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push((await submit(a, `98912123410${i}`)).message_id);
    await eventually(async () => (a.delivered.length + b.delivered.length === 10 ? true : undefined), 15_000, 'ten receipts');
    expect(a.delivered.length).toBeGreaterThan(0);
    expect(b.delivered.length).toBeGreaterThan(0);
    expect([...a.delivered, ...b.delivered].map((d) => d.receipted_message_id).sort()).toEqual(ids.sort());
    a.close();
    b.close();
  });

  it('reach a bind held by another edge process', async () => {
    const edge = await startTestGateway({ joinOf: t, env: { GATEWAY_ROLES: 'smpp', SIMULATOR: '0' } });
    try {
      const { creds } = await t.customer(1000);
      const tx = await boundEsme(t.smppPort, creds, 'transmitter');
      const rx = await boundEsme(edge.smppPort, creds, 'receiver');
      const r = await submit(tx, '989121234005');
      await eventually(async () => rx.delivered.find((d) => d.receipted_message_id === r.message_id), 15_000, 'the receipt on the other process');
      tx.close();
      rx.close();
    } finally {
      await edge.stop();
    }
  });
});

describe('the outbox', () => {
  const notice = (appId: string, validUntil: Date, text = 'Salam 👋'): EsmeNotice => ({
    kind: 'mo', appId, id: 'mo-1', from: '989121234567', to: '3000', text, receivedAt: new Date().toISOString(), validUntil: validUntil.toISOString(),
  });

  it('carries MO messages to the app binds as deliver_sm', async () => {
    const { creds } = await t.customer(0);
    await new RedisEsmeOutbox(redis, `{${t.prefix}}`).publish([notice(creds.appId, new Date(Date.now() + 60_000))]);
    const rx = await boundEsme(t.smppPort, creds, 'receiver');
    const mo = await eventually(async () => rx.delivered[0], 10_000, 'the MO');
    expect(mo).toMatchObject({ esm_class: 0, data_coding: 8, source_addr: '989121234567', destination_addr: '3000' });
    rx.close();
  });

  it('drops a notice whose validity ended instead of delivering it', async () => {
    const { creds } = await t.customer(0);
    const outbox = new RedisEsmeOutbox(redis, `{${t.prefix}}`);
    await outbox.publish([notice(creds.appId, new Date(Date.now() - 1_000), 'stale'), notice(creds.appId, new Date(Date.now() + 60_000), 'fresh')]);
    const rx = await boundEsme(t.smppPort, creds, 'receiver');
    await eventually(async () => rx.delivered[0], 10_000, 'the fresh notice');
    await eventually(async () => ((await redis.xlen(esmeStreamKey(`{${t.prefix}}`, creds.appId))) === 0 ? true : undefined), 5_000, 'an empty stream');
    expect(rx.delivered.map((d) => d.short_message.message)).toEqual(['fresh']);
    rx.close();
  });
});

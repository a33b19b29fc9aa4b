/**
 * submit_sm and submit_multi through the shared accept path, seen from an
 * independent client (the npm smpp package) and from the HTTP API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGsm7Unpacked, encodeUcs2, packSeptets } from '../../../src/core/text';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { boundEsme, type Esme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

const S = COMMAND_STATUS;
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 } });
});

afterAll(async () => {
  await t?.stop();
});

async function customerEsme(credit: number, app: Record<string, unknown> = {}): Promise<{ creds: AppCreds; esme: Esme }> {
  const { creds } = await t.customer(credit, app);
  return { creds, esme: await boundEsme(t.smppPort, creds) };
}

async function metricValue(name: string, channel: string): Promise<number> {
  const metric = await t.gw.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).filter((v) => v.labels.channel === channel && !('le' in v.labels)).reduce((n, v) => n + v.value, 0);
}

describe('submit_sm', () => {
  it('answers with the gateway message id, which the HTTP API shows with the app credentials', async () => {
    const { creds, esme } = await customerEsme(1000);
    const acceptedBefore = await metricValue('smsgw_messages_accepted_total', 'smpp');
    const r = await esme.request('submit_sm', { source_addr: 'ACME', destination_addr: '+989121234567', short_message: Buffer.from('Hello over SMPP'), registered_delivery: 1 });
    expect(r.command_status).toBe(S.ESME_ROK);
    const message = (await t.asApp(creds, 'GET', `/api/v1/messages/${r.message_id}`)).body;
    expect(message).toMatchObject({ id: r.message_id, to: '989121234567', from: 'ACME', text: 'Hello over SMPP', parts: 1, price: 5 });
    expect(await metricValue('smsgw_messages_accepted_total', 'smpp')).toBe(acceptedBefore + 1);
    expect(await metricValue('smsgw_accept_latency_seconds', 'smpp')).toBeGreaterThan(0);
    const delivered = await eventually(async () => {
      const m = (await t.asApp(creds, 'GET', `/api/v1/messages/${r.message_id}`)).body;
      return m.status === 'delivered' ? m : undefined;
    }, 15_000, 'delivery');
    expect(delivered.events.map((e: { status: string }) => e.status)).toEqual(['accepted', 'queued', 'submitted', 'delivered']);
    esme.close();
  });

  it('decodes GSM 7-bit (unpacked and packed), Latin-1, UCS-2 and message_payload', async () => {
    const { creds, esme } = await customerEsme(10_000);
    const long = 'A long text in message_payload. '.repeat(8);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ data_coding: 0, short_message: encodeGsm7Unpacked('Unpacked {GSM} €5 @home') }, 'Unpacked {GSM} €5 @home'],
      [{ data_coding: 0, short_message: packSeptets(encodeGsm7Unpacked('Packed GSM text')) }, 'Packed GSM text'],
      [{ data_coding: 3, short_message: Buffer.from('Grüße, café', 'latin1') }, 'Grüße, café'],
      [{ data_coding: 8, short_message: encodeUcs2('سلام دنیا 👋') }, 'سلام دنیا 👋'],
      [{ data_coding: 0, message_payload: encodeGsm7Unpacked(long) }, long],
    ];
    for (const [fields, text] of cases) {
      const r = await esme.request('submit_sm', { destination_addr: '989121230000', ...fields });
      expect(r.command_status).toBe(S.ESME_ROK);
      expect((await t.asApp(creds, 'GET', `/api/v1/messages/${r.message_id}`)).body.text).toBe(text);
    }
    const ucs2 = (await t.asApp(creds, 'GET', '/api/v1/messages?limit=10')).body.items.find((m: { text: string }) => m.text === 'سلام دنیا 👋');
    expect(ucs2).toMatchObject({ encoding: 'ucs2', parts: 1 });
    const payload = (await t.asApp(creds, 'GET', '/api/v1/messages?limit=10')).body.items.find((m: { text: string }) => m.text === long);
    expect(payload).toMatchObject({ parts: 2, price: 10 });
    esme.close();
  });

  it('refuses a bad destination with ESME_RINVDSTADR and a disallowed sender with ESME_RINVSRCADR', async () => {
    const { esme } = await customerEsme(1000, { senders: ['ACME'] });
    expect((await esme.request('submit_sm', { destination_addr: 'not-a-number', short_message: Buffer.from('x') })).command_status).toBe(S.ESME_RINVDSTADR);
    expect((await esme.request('submit_sm', { source_addr: 'OTHER', destination_addr: '989121234567', short_message: Buffer.from('x') })).command_status).toBe(S.ESME_RINVSRCADR);
    esme.close();
  });

  it('answers ESME_RTHROTTLED (0x58) over the app throughput', async () => {
    const { esme } = await customerEsme(100_000, { throughputPerSecond: 5 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => esme.request('submit_sm', { destination_addr: `98912000${String(i).padStart(4, '0')}`, short_message: Buffer.from('burst') })),
    );
    const statuses = answers.map((a) => a.command_status);
    expect(statuses.filter((s) => s === S.ESME_ROK).length).toBeLessThanOrEqual(6);
    expect(statuses).toContain(S.ESME_RTHROTTLED);
    esme.close();
  });

  it('answers ESME_RSUBMITFAIL (0x45) when the balance is too low, and creates nothing', async () => {
    const { creds, esme } = await customerEsme(4);
    expect((await esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('no money') })).command_status).toBe(S.ESME_RSUBMITFAIL);
    expect((await t.asApp(creds, 'GET', '/api/v1/messages')).body.items).toEqual([]);
    esme.close();
  });

  it('refuses a malformed or too distant schedule_delivery_time and a validity_period in the past', async () => {
    const { esme } = await customerEsme(1000);
    const submit = (fields: Record<string, unknown>) => esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('x'), ...fields });
    expect((await submit({ schedule_delivery_time: 'tomorrow' })).command_status).toBe(S.ESME_RINVSCHED);
    // 36 days relative (YYMMDDhhmmss000R): more than the 35 days allowed.
    expect((await submit({ schedule_delivery_time: '000036000000000R' })).command_status).toBe(S.ESME_RINVSCHED);
    expect((await submit({ validity_period: '200101000000000+' })).command_status).toBe(S.ESME_RINVEXPIRY);
    esme.close();
  });

  it('holds a submit_sm with schedule_delivery_time until then, charged at its release (docs/campaigns.md)', async () => {
    const { creds, esme } = await customerEsme(1000);
    const to = '989121239901';
    const before = Date.now();
    const r = await esme.request('submit_sm', { destination_addr: to, short_message: Buffer.from('later over SMPP'), schedule_delivery_time: '000000000003000R' });
    expect(r.command_status).toBe(S.ESME_ROK);
    const held = (await t.asApp(creds, 'GET', `/api/v1/messages/${r.message_id}`)).body;
    expect(held.status).toBe('accepted');
    const scheduleAt = Date.parse(held.scheduleAt);
    expect(scheduleAt).toBeGreaterThanOrEqual(before + 3_000 - 1_000);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(1000);
    const received = await eventually(async () => t.gw.simulator!.received.find((s) => s.destinationAddr === to), 20_000, 'the scheduled submit at the carrier');
    expect(received.receivedAt).toBeGreaterThanOrEqual(scheduleAt);
    await eventually(async () => ((await t.asApp(creds, 'GET', `/api/v1/messages/${r.message_id}`)).body.status === 'delivered' ? true : undefined), 15_000, 'delivery');
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(1000 - held.price);
    esme.close();
  });
});

describe('submit_multi', () => {
  it('accepts the good destinations under one id and lists the refused ones in unsuccess_sme', async () => {
    const { creds, esme } = await customerEsme(1000);
    const r = await esme.request('submit_multi', {
      dest_address: [
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '989121110001' },
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: 'bogus' },
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '989121110002' },
        { dl_name: 'friends' },
      ],
      short_message: Buffer.from('to many'),
      registered_delivery: 1,
    });
    expect(r.command_status).toBe(S.ESME_ROK);
    expect(r.unsuccess_sme.map((u: { destination_addr: string; error_status_code: number }) => [u.destination_addr, u.error_status_code])).toEqual([
      ['bogus', S.ESME_RINVDSTADR],
      ['friends', S.ESME_RINVDLNAME],
    ]);
    const items = (await t.asApp(creds, 'GET', '/api/v1/messages')).body.items;
    expect(items.map((m: { to: string }) => m.to).sort()).toEqual(['989121110001', '989121110002']);
    expect(items.every((m: { reference: string }) => m.reference === r.message_id)).toBe(true);
    expect(items.map((m: { id: string }) => m.id)).toContain(r.message_id);
    // Each destination's receipt carries the submission's id; source_addr tells them apart.
    await eventually(async () => (esme.delivered.length === 2 ? true : undefined), 15_000, 'two receipts');
    expect(esme.delivered.map((d) => d.receipted_message_id)).toEqual([r.message_id, r.message_id]);
    expect(esme.delivered.map((d) => d.source_addr).sort()).toEqual(['989121110001', '989121110002']);
    esme.close();
  });
});

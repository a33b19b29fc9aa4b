/**
 * MO (inbound) routing end to end: the simulator carrier sends deliver_sm
 * (not a receipt) to the gateway's carrier bind; the gateway stores it,
 * finds the app that owns the destination number (and keyword), and hands
 * it over as a signed webhook or as deliver_sm to the app's receiver bind.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundEsme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
let hook: Server;
let hookUrl: string;
const received: Array<{ body: string; signature: string | undefined }> = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['x-smsgw-signature'] as string | undefined });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/mo`;
  t = await startTestGateway();
  await eventually(async () => (t.gw.simulator!.boundSessions > 0 ? true : undefined), 10_000, 'the carrier bind');
});

afterAll(async () => {
  await t?.stop();
  await new Promise((resolve) => hook?.close(resolve));
});

const sendMo = (to: string, text: string, from = '989121234567') => t.gw.simulator!.sendMo({ from, to, text });

async function listMo(creds: { appId: string; secret: string; smppSystemId: string; smppPassword: string }) {
  return (await t.asApp(creds, 'GET', '/api/v1/mo')).body.items as Array<{ id: string; from: string; to: string; text: string }>;
}

describe('numbers', () => {
  it('an app owns a number once; the same number (and keyword) for another app is a 409', async () => {
    const a = await t.customer(0);
    const b = await t.customer(0);
    const added = await t.admin('POST', `/api/v1/apps/${a.creds.appId}/numbers`, { number: '+98 2000' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ number: '982000', keyword: null, appId: a.creds.appId });
    expect((await t.admin('POST', `/api/v1/apps/${b.creds.appId}/numbers`, { number: '982000' })).status).toBe(409);
    expect((await t.admin('POST', `/api/v1/apps/${b.creds.appId}/numbers`, { number: '982000', keyword: 'news' })).status).toBe(201);
    expect((await t.admin('POST', `/api/v1/apps/${a.creds.appId}/numbers`, { number: '982000', keyword: 'NEWS' })).status).toBe(409);
    expect((await t.admin('POST', `/api/v1/apps/${a.creds.appId}/numbers`, { number: 'abc' })).status).toBe(400);
    const list = await t.admin('GET', `/api/v1/apps/${b.creds.appId}/numbers`);
    expect(list.body.items).toEqual([expect.objectContaining({ number: '982000', keyword: 'NEWS' })]);
    expect((await t.admin('DELETE', `/api/v1/apps/${b.creds.appId}/numbers/${list.body.items[0].id}`)).status).toBe(204);
    expect((await t.admin('GET', `/api/v1/apps/${b.creds.appId}/numbers`)).body.items).toEqual([]);
    expect([401, 403]).toContain((await t.asApp(a.creds, 'POST', `/api/v1/apps/${a.creds.appId}/numbers`, { number: '982001' })).status);
  });
});

describe('MO delivery', () => {
  it('reaches the owning app’s moUrl as a POST signed with the app secret', async () => {
    const { creds } = await t.customer(0, { moUrl: hookUrl });
    await t.admin('POST', `/api/v1/apps/${creds.appId}/numbers`, { number: '3000' });
    expect(await sendMo('3000', 'Hello gateway')).toBe(0);
    const hit = await eventually(async () => received.find((r) => r.body.includes('Hello gateway')), 10_000, 'the MO webhook');
    const body = JSON.parse(hit.body);
    expect(body).toMatchObject({ from: '989121234567', to: '3000', text: 'Hello gateway' });
    expect(Object.keys(body).sort()).toEqual(['from', 'id', 'receivedAt', 'text', 'to']);
    expect(hit.signature).toBe(`sha256=${createHmac('sha256', creds.secret).update(hit.body).digest('hex')}`);
    const mine = await listMo(creds);
    expect(mine).toEqual([expect.objectContaining({ id: body.id, text: 'Hello gateway', to: '3000' })]);
  });

  it('reaches the owning app’s SMPP receiver bind as deliver_sm', async () => {
    const { creds } = await t.customer(0);
    await t.admin('POST', `/api/v1/apps/${creds.appId}/numbers`, { number: '3001' });
    const esme = await boundEsme(t.smppPort, creds, 'receiver');
    try {
      expect(await sendMo('3001', 'over smpp')).toBe(0);
      const pdu = await eventually(async () => esme.delivered.find((p) => p.command === 'deliver_sm'), 10_000, 'the MO deliver_sm');
      expect(pdu.esm_class & 0x3c).toBe(0);
      expect(pdu.source_addr).toBe('989121234567');
      expect(pdu.destination_addr).toBe('3001');
      expect(Buffer.from(pdu.short_message.message ?? pdu.short_message).toString('latin1')).toBe('over smpp');
    } finally {
      esme.close();
    }
  });

  it('picks the app by the first word’s keyword, else the number’s catch-all owner', async () => {
    const pizza = await t.customer(0);
    const taxi = await t.customer(0);
    const rest = await t.customer(0);
    await t.admin('POST', `/api/v1/apps/${pizza.creds.appId}/numbers`, { number: '3002', keyword: 'pizza' });
    await t.admin('POST', `/api/v1/apps/${taxi.creds.appId}/numbers`, { number: '3002', keyword: 'TAXI' });
    await t.admin('POST', `/api/v1/apps/${rest.creds.appId}/numbers`, { number: '3002' });
    await sendMo('3002', 'taxi to the airport please');
    await sendMo('3002', 'Pizza margherita');
    await sendMo('3002', 'hello there');
    await eventually(async () => ((await listMo(rest.creds)).length === 1 ? true : undefined), 10_000, 'the catch-all MO');
    await eventually(async () => ((await listMo(taxi.creds)).length === 1 ? true : undefined), 10_000, 'the taxi MO');
    expect((await listMo(taxi.creds))[0]!.text).toBe('taxi to the airport please');
    expect((await listMo(pizza.creds)).map((m) => m.text)).toEqual(['Pizza margherita']);
    expect((await listMo(rest.creds)).map((m) => m.text)).toEqual(['hello there']);
  });

  it('an MO for a number no app owns is stored unrouted and counted', async () => {
    const before = (await t.gw.metrics.moUnrouted.get()).values[0]?.value ?? 0;
    expect(await sendMo('39999', 'nobody home')).toBe(0);
    const stored = await eventually(async () => {
      const r = await t.admin('GET', '/api/v1/mo?unrouted=true');
      return r.body.items.find((m: { text: string }) => m.text === 'nobody home');
    }, 10_000, 'the unrouted MO');
    expect(stored).toMatchObject({ appId: null, to: '39999' });
    expect((await t.gw.metrics.moUnrouted.get()).values[0]?.value).toBe(before + 1);
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/smsgw_mo_unrouted_total \d+/);
  });
});

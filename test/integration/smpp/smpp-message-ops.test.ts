/**
 * query_sm, cancel_sm and replace_sm. Messages routed to "dead" (a carrier
 * that never binds) stay `queued` and charged between dispatch attempts
 * (retries are 20 s apart in this file), which is the window in which a
 * message may still be cancelled or replaced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { boundEsme, type Esme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { freePort } from '../../helpers/kannel';

const S = COMMAND_STATUS;
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 }, retryBaseDelayMs: 20_000 });
  const dead = await t.admin('POST', '/api/v1/carriers', { name: 'dead', host: '127.0.0.1', port: await freePort(), systemId: 'x', password: 'y' });
  expect(dead.status).toBe(201);
  const routes = await t.admin('PUT', '/api/v1/routes', [
    { prefix: '', carriers: ['simulator'], price: 5 },
    { prefix: '98777', carriers: ['dead'], price: 5 },
  ]);
  expect(routes.status).toBe(200);
});

afterAll(async () => {
  await t?.stop();
});

async function setup(credit = 1000): Promise<{ creds: AppCreds; esme: Esme }> {
  const { creds } = await t.customer(credit);
  return { creds, esme: await boundEsme(t.smppPort, creds) };
}

const message = (creds: AppCreds, id: string) => t.asApp(creds, 'GET', `/api/v1/messages/${id}`).then((r) => r.body);
const balance = (creds: AppCreds) => t.asApp(creds, 'GET', '/api/v1/balance').then((r) => r.body.balance as number);

/** Submits to the dead route and waits until the message is charged and waiting for its next attempt. */
async function queuedMessage(creds: AppCreds, esme: Esme, text = 'waiting'): Promise<string> {
  const r = await esme.request('submit_sm', { source_addr: 'ACME', destination_addr: '987771234567', short_message: Buffer.from(text), registered_delivery: 1 });
  expect(r.command_status).toBe(S.ESME_ROK);
  await eventually(async () => ((await message(creds, r.message_id)).status === 'queued' ? true : undefined), 10_000, 'queued');
  return r.message_id;
}

describe('query_sm', () => {
  it('answers a delivered message with message_state DELIVERED and its final date', async () => {
    const { creds, esme } = await setup();
    const r = await esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('query me') });
    const pending = await esme.request('query_sm', { message_id: r.message_id });
    expect(pending.command_status).toBe(S.ESME_ROK);
    expect([1, 2]).toContain(pending.message_state); // ENROUTE, or already DELIVERED
    await eventually(async () => ((await message(creds, r.message_id)).status === 'delivered' ? true : undefined), 15_000, 'delivery');
    const q = await esme.request('query_sm', { message_id: r.message_id });
    expect(q).toMatchObject({ command_status: 0, message_id: r.message_id, message_state: 2, error_code: 0 });
    // The npm client parses final_date (`YYMMDDhhmmss000+`) into a Date.
    expect(Math.abs(new Date(q.final_date).getTime() - Date.now())).toBeLessThan(120_000);
    esme.close();
  });

  it("refuses unknown ids and another app's messages with ESME_RQUERYFAIL", async () => {
    const a = await setup();
    const b = await setup();
    const r = await a.esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('mine') });
    expect((await b.esme.request('query_sm', { message_id: r.message_id })).command_status).toBe(S.ESME_RQUERYFAIL);
    expect((await a.esme.request('query_sm', { message_id: 'no-such-id' })).command_status).toBe(S.ESME_RQUERYFAIL);
    a.esme.close();
    b.esme.close();
  });
});

describe('cancel_sm', () => {
  it('ends a charged, not yet submitted message rejected ("cancelled"), refunds it once and sends a DELETED receipt', async () => {
    const { creds, esme } = await setup(1000);
    const id = await queuedMessage(creds, esme);
    expect(await balance(creds)).toBe(995);
    // A dispatch attempt may hold the message for an instant: retry until the claim is released.
    await eventually(async () => ((await esme.request('cancel_sm', { message_id: id, source_addr: 'ACME' })).command_status === S.ESME_ROK ? true : undefined), 10_000, 'cancel');
    const m = await message(creds, id);
    expect(m).toMatchObject({ status: 'rejected', errorCode: 'CANCELLED' });
    expect(m.events.at(-1)).toMatchObject({ status: 'rejected', detail: { reason: 'cancelled' } });
    expect(await balance(creds)).toBe(1000);
    const { rows } = await t.gw.db.raw(`SELECT kind, amount FROM ledger WHERE message_id = ? ORDER BY id`, [id]);
    expect(rows).toEqual([{ kind: 'charge', amount: -5 }, { kind: 'refund', amount: 5 }]);
    const receipt = await eventually(async () => esme.delivered.find((d) => d.receipted_message_id === id), 10_000, 'the receipt');
    expect(receipt.message_state).toBe(4);
    expect((await esme.request('cancel_sm', { message_id: id })).command_status).toBe(S.ESME_RCANCELFAIL);
    esme.close();
  });

  it('refuses a message already with a carrier', async () => {
    const { creds, esme } = await setup();
    const r = await esme.request('submit_sm', { destination_addr: '989121234567', short_message: Buffer.from('too late') });
    await eventually(async () => ((await message(creds, r.message_id)).status === 'delivered' ? true : undefined), 15_000, 'delivery');
    expect((await esme.request('cancel_sm', { message_id: r.message_id })).command_status).toBe(S.ESME_RCANCELFAIL);
    expect(await balance(creds)).toBe(995);
    esme.close();
  });
});

describe('replace_sm', () => {
  it('replaces the text of a waiting message at the same price', async () => {
    const { creds, esme } = await setup();
    const id = await queuedMessage(creds, esme, 'first text');
    await eventually(async () => ((await esme.request('replace_sm', { message_id: id, source_addr: 'ACME', short_message: Buffer.from('second text') })).command_status === S.ESME_ROK ? true : undefined), 10_000, 'replace');
    expect(await message(creds, id)).toMatchObject({ text: 'second text', parts: 1, price: 5, status: 'queued' });
    esme.close();
  });

  it('refuses a replacement that would change what was already charged, with ESME_RREPLACEFAIL', async () => {
    const { creds, esme } = await setup();
    const id = await queuedMessage(creds, esme, 'short');
    const statuses: number[] = [];
    await eventually(async () => {
      const s = (await esme.request('replace_sm', { message_id: id, short_message: Buffer.alloc(0), message_payload: Buffer.from('x'.repeat(300)) })).command_status;
      statuses.push(s);
      return s === S.ESME_RREPLACEFAIL ? true : undefined;
    }, 10_000, 'a refusal');
    expect(await message(creds, id)).toMatchObject({ text: 'short', parts: 1, price: 5 });
    esme.close();
  });
});

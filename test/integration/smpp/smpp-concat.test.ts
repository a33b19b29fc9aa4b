/**
 * Long messages sent as concatenated parts (UDH IEI 0x00 and 0x08, SAR
 * TLVs) are reassembled into one message, billed per part. Every part is
 * durable before it is acknowledged; an incomplete message ends rejected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGsm7Unpacked, encodeUcs2 } from '../../../src/core/text';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { boundEsme, type Esme } from '../../helpers/esme-client';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

const S = COMMAND_STATUS;
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({
    simulatorOptions: { dlrDelayMs: 20 },
    smpp: { concatTimeoutMs: 700, concatSweepIntervalMs: 200, maxPendingConcatPerApp: 3 },
  });
});

afterAll(async () => {
  await t?.stop();
});

const udh8 = (ref: number, total: number, seq: number) => Buffer.from([5, 0, 3, ref, total, seq]);
const udh16 = (ref: number, total: number, seq: number) => Buffer.from([6, 8, 4, ref >> 8, ref & 0xff, total, seq]);

async function setup(credit = 1000): Promise<{ creds: AppCreds; esme: Esme }> {
  const { creds } = await t.customer(credit);
  return { creds, esme: await boundEsme(t.smppPort, creds) };
}

const finalMessage = (creds: AppCreds, id: string) =>
  eventually(async () => {
    const m = (await t.asApp(creds, 'GET', `/api/v1/messages/${id}`)).body;
    return ['delivered', 'rejected', 'undelivered', 'failed'].includes(m.status) ? m : undefined;
  }, 15_000, `message ${id} final`);

describe('concatenated submissions', () => {
  it('with an 8-bit UDH are stored part by part, joined into one message billed per part, with one receipt', async () => {
    const { creds, esme } = await setup();
    const parts = ['A'.repeat(153), 'B'.repeat(153), 'C'.repeat(40)];
    const answers = [];
    for (const [i, text] of parts.entries()) {
      const r = await esme.request('submit_sm', {
        destination_addr: '989121239001',
        esm_class: 0x40,
        short_message: Buffer.concat([udh8(0x2a, 3, i + 1), encodeGsm7Unpacked(text)]),
        registered_delivery: 1,
      });
      expect(r.command_status).toBe(S.ESME_ROK);
      answers.push(r.message_id);
      if (i === 1) {
        // Two acknowledged parts are in PostgreSQL before the third arrives.
        const { rows } = await t.gw.db.raw('SELECT seq FROM smpp_concat_parts WHERE message_id = ? ORDER BY seq', [r.message_id]);
        expect(rows.map((x: { seq: number }) => x.seq)).toEqual([1, 2]);
      }
    }
    expect(new Set(answers).size).toBe(1);
    const m = await finalMessage(creds, answers[0]);
    expect(m).toMatchObject({ status: 'delivered', text: parts.join(''), parts: 3, price: 15 });
    expect((await t.asApp(creds, 'GET', '/api/v1/messages')).body.items).toHaveLength(1);
    await eventually(async () => (esme.delivered.length === 1 ? true : undefined), 10_000, 'one receipt');
    expect(esme.delivered[0]!.receipted_message_id).toBe(answers[0]);
    esme.close();
  });

  it('with a 16-bit UDH in UCS-2 are joined whatever order the parts come in', async () => {
    const { creds, esme } = await setup();
    const first = 'س'.repeat(67);
    const second = 'لام دنیا';
    const b = await esme.request('submit_sm', { destination_addr: '989121239002', esm_class: 0x40, data_coding: 8, short_message: Buffer.concat([udh16(0x1234, 2, 2), encodeUcs2(second)]) });
    const a = await esme.request('submit_sm', { destination_addr: '989121239002', esm_class: 0x40, data_coding: 8, short_message: Buffer.concat([udh16(0x1234, 2, 1), encodeUcs2(first)]) });
    expect(a.message_id).toBe(b.message_id);
    expect(await finalMessage(creds, a.message_id)).toMatchObject({ status: 'delivered', text: first + second, encoding: 'ucs2', parts: 2, price: 10 });
    esme.close();
  });

  it('with SAR TLVs are joined too', async () => {
    const { creds, esme } = await setup();
    const send = (seq: number, text: string) =>
      esme.request('submit_sm', { destination_addr: '989121239003', short_message: Buffer.from(text), sar_msg_ref_num: 77, sar_total_segments: 2, sar_segment_seqnum: seq });
    const a = await send(1, 'Hello ');
    const b = await send(2, 'world');
    expect(a.message_id).toBe(b.message_id);
    // The joined text fits one part: billed as one.
    expect(await finalMessage(creds, a.message_id)).toMatchObject({ status: 'delivered', text: 'Hello world', parts: 1, price: 5 });
    esme.close();
  });

  it('that never complete end rejected (INCOMPLETE_CONCAT), uncharged, with a REJECTD receipt', async () => {
    const { creds, esme } = await setup(1000);
    const r = await esme.request('submit_sm', { destination_addr: '989121239004', esm_class: 0x40, short_message: Buffer.concat([udh8(9, 2, 1), Buffer.from('only half')]), registered_delivery: 1 });
    expect(r.command_status).toBe(S.ESME_ROK);
    const m = await finalMessage(creds, r.message_id);
    expect(m).toMatchObject({ status: 'rejected', errorCode: 'INCOMPLETE_CONCAT', text: 'only half', price: 0 });
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(1000);
    const receipt = await eventually(async () => esme.delivered.find((d) => d.receipted_message_id === r.message_id), 10_000, 'the REJECTD receipt');
    expect(receipt.short_message.message).toContain('stat:REJECTD');
    esme.close();
  });

  it('are bounded per app: beyond the pending limit a new message is refused with ESME_RMSGQFUL', async () => {
    const { esme } = await setup();
    const open = (ref: number) => esme.request('submit_sm', { destination_addr: '989121239005', esm_class: 0x40, short_message: Buffer.concat([udh8(ref, 2, 1), Buffer.from('x')]) });
    for (const ref of [1, 2, 3]) expect((await open(ref)).command_status).toBe(S.ESME_ROK);
    expect((await open(4)).command_status).toBe(S.ESME_RMSGQFUL);
    esme.close();
  });
});

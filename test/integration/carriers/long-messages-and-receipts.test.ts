/**
 * Long messages and receipts towards real simulator carriers: concatenated
 * parts as each carrier's concat mode wants them (8-bit UDH, 16-bit UDH,
 * SAR), billed per part and reconciled into one `delivered`; receipts
 * matched however the carrier writes the id, also when they beat their
 * submit_sm_resp; a receipt for an unknown id stored and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGsm7Unpacked, decodeUcs2, measureText, parseUdh } from '../../../src/core/text';
import type { ReceivedSubmit } from '../../../src/simulator';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { addSimCarrier, allFinal, bound, FAST_CARRIERS, putRoutes, type SimCarrier } from '../../helpers/carriers';

let t: TestGateway;
let creds: AppCreds;
const carriers: Record<string, SimCarrier> = {};

beforeAll(async () => {
  t = await startTestGateway(FAST_CARRIERS);
  ({ creds } = await t.customer(1_000_000));
  carriers.udh8 = await addSimCarrier(t, 'c-udh8');
  carriers.udh16 = await addSimCarrier(t, 'c-udh16', { carrier: { concat: 'udh16' } });
  carriers.sar = await addSimCarrier(t, 'c-sar', { carrier: { concat: 'sar', bindMode: 'transmitter_receiver', binds: 1 } });
  carriers.decimal = await addSimCarrier(t, 'c-decimal', { sim: { idStyle: 'hex', receiptIdStyle: 'decimal', receiptedMessageIdTlv: false } });
  carriers.early = await addSimCarrier(t, 'c-early', { sim: { submitResponseDelayMs: 300, dlrDelayMs: 0 } });
  await Promise.all(Object.values(carriers).map((c) => bound(c, 2)));
  await putRoutes(t, [
    { prefix: '', carriers: ['simulator'], price: 5 },
    { prefix: '9891', carriers: ['c-udh8'], price: 5 },
    { prefix: '9892', carriers: ['c-udh16'], price: 5 },
    { prefix: '9893', carriers: ['c-sar'], price: 5 },
    { prefix: '9894', carriers: ['c-decimal'], price: 5 },
    { prefix: '9895', carriers: ['c-early'], price: 5 },
  ]);
});

afterAll(async () => {
  await t?.stop();
  await Promise.all(Object.values(carriers).map((c) => c.sim.stop()));
});

/** 400 characters of GSM 03.38, twenty of them from the extension table (2 septets each): 420 septets. */
const GSM_400 = 'Total 10€ paid, ok. '.repeat(20);
/** 100 characters of Persian: UCS-2. */
const PERSIAN_100 = 'سلام، پیام شما رسید.'.repeat(5);

async function submitOne(to: string, text: string) {
  const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to, text });
  expect(r.status).toBe(202);
  return r.body.messages[0] as { id: string; parts: number; encoding: string; price: number };
}

async function deliveredOnce(id: string) {
  await allFinal(t, [id], 10_000);
  const message = (await t.asApp(creds, 'GET', `/api/v1/messages/${id}`)).body;
  expect(message.status).toBe('delivered');
  expect(message.events.filter((e: { status: string }) => e.status === 'delivered')).toHaveLength(1);
  const { rows } = await t.gw.db.raw('SELECT status FROM message_parts WHERE message_id = ? ORDER BY part_index', [id]);
  return { message, partStatuses: rows.map((r: { status: string }) => r.status) };
}

const partsTo = (c: SimCarrier, to: string) => c.submits.filter((s) => s.destinationAddr === to).sort((a, b) => (a.udh?.seq ?? a.sar?.seqNum ?? 0) - (b.udh?.seq ?? b.sar?.seqNum ?? 0));

function bodyOf(s: ReceivedSubmit): Buffer {
  return s.esmClass & 0x40 ? s.shortMessage.subarray(parseUdh(s.shortMessage).length) : s.shortMessage;
}

describe('a long message over HTTP', () => {
  it('a 400-character GSM text goes out as 3 GSM parts with one 8-bit UDH reference, billed per part, delivered once', async () => {
    expect(GSM_400).toHaveLength(400);
    expect(measureText(GSM_400)).toMatchObject({ encoding: 'gsm7', units: 420, parts: 3 });
    const accepted = await submitOne('989100000001', GSM_400);
    expect(accepted).toMatchObject({ parts: 3, encoding: 'gsm7', price: 15 });
    const { partStatuses } = await deliveredOnce(accepted.id);
    expect(partStatuses).toEqual(['delivered', 'delivered', 'delivered']);

    const parts = partsTo(carriers.udh8!, '989100000001');
    expect(parts).toHaveLength(3);
    const ref = parts[0]!.shortMessage[3]!;
    parts.forEach((p, i) => {
      expect(p).toMatchObject({ dataCoding: 0, esmClass: 0x40, registeredDelivery: 1 });
      expect([...p.shortMessage.subarray(0, 6)]).toEqual([0x05, 0x00, 0x03, ref, 3, i + 1]);
      expect(bodyOf(p).length).toBeLessThanOrEqual(153);
      expect(bodyOf(p).at(-1)).not.toBe(0x1b); // an escape never ends a part
    });
    expect(parts.map((p) => decodeGsm7Unpacked(bodyOf(p))).join('')).toBe(GSM_400);
  });

  it('a 100-character Persian text goes out as 2 UCS-2 parts, billed per part, delivered once', async () => {
    expect(PERSIAN_100).toHaveLength(100);
    const accepted = await submitOne('989100000002', PERSIAN_100);
    expect(accepted).toMatchObject({ parts: 2, encoding: 'ucs2', price: 10 });
    await deliveredOnce(accepted.id);
    const parts = partsTo(carriers.udh8!, '989100000002');
    expect(parts).toHaveLength(2);
    expect(parts.map((p) => [p.dataCoding, p.esmClass, p.udh?.total, p.udh?.seq])).toEqual([
      [8, 0x40, 2, 1],
      [8, 0x40, 2, 2],
    ]);
    expect(bodyOf(parts[0]!)).toHaveLength(67 * 2);
    expect(parts.map((p) => decodeUcs2(bodyOf(p))).join('')).toBe(PERSIAN_100);
  });

  it('a carrier configured for 16-bit references gets a 16-bit UDH, and 8-bit when 16-bit would need more parts than were billed', async () => {
    const same = await submitOne('989200000001', GSM_400); // 420 septets: 3 parts either way
    await deliveredOnce(same.id);
    const parts = partsTo(carriers.udh16!, '989200000001');
    expect(parts.map((p) => [...p.shortMessage.subarray(0, 3), p.shortMessage[5], p.shortMessage[6]])).toEqual([
      [0x06, 0x08, 0x04, 3, 1],
      [0x06, 0x08, 0x04, 3, 2],
      [0x06, 0x08, 0x04, 3, 3],
    ]);
    const edge = 'x'.repeat(459); // 3 x 153: 3 parts with udh8, 4 with udh16
    const billed = await submitOne('989200000002', edge);
    expect(billed.parts).toBe(3);
    await deliveredOnce(billed.id);
    const fallback = partsTo(carriers.udh16!, '989200000002');
    expect(fallback.map((p) => p.shortMessage[1])).toEqual([0x00, 0x00, 0x00]); // IEI 0x00: 8-bit reference
  });

  it('a carrier configured for SAR gets the parts without UDH and with SAR TLVs, over a transmitter and receiver pair', async () => {
    const accepted = await submitOne('989300000001', GSM_400);
    await deliveredOnce(accepted.id);
    const parts = partsTo(carriers.sar!, '989300000001');
    expect(parts.map((p) => [p.esmClass, p.sar?.totalSegments, p.sar?.seqNum])).toEqual([
      [0, 3, 1],
      [0, 3, 2],
      [0, 3, 3],
    ]);
    expect(new Set(parts.map((p) => p.sar?.refNum)).size).toBe(1);
    expect(parts.map((p) => decodeGsm7Unpacked(p.shortMessage)).join('')).toBe(GSM_400);
  });
});

describe('receipts', () => {
  it('are matched when the carrier writes its hex id in decimal in the text and sends no receipted_message_id', async () => {
    const ids = await Promise.all(['989400000001', '989400000002'].map(async (to) => (await submitOne(to, 'hex and decimal')).id));
    await allFinal(t, ids, 10_000);
    for (const id of ids) expect((await t.asApp(creds, 'GET', `/api/v1/messages/${id}`)).body.status).toBe('delivered');
  });

  it('are matched when they arrive before their submit_sm_resp', async () => {
    const accepted = await submitOne('989500000001', 'receipt first');
    const [submit] = await eventually(async () => (carriers.early!.submits.length > 0 ? carriers.early!.submits : undefined), 5_000, 'the submit');
    expect(submit!.destinationAddr).toBe('989500000001');
    await deliveredOnce(accepted.id);
  });

  it('for an unknown id is stored and counted, not dropped', async () => {
    const before = (await t.gw.metrics.receiptsUnmatched.get()).values[0]?.value ?? 0;
    const status = await carriers.udh8!.sim.sendMo({
      from: '989100000009',
      to: '1234',
      esmClass: 0x04,
      text: 'id:7fffabcd sub:001 dlvrd:001 submit date:2601011200 done date:2601011201 stat:DELIVRD err:000 text:',
    });
    expect(status).toBe(0);
    const stored = await eventually(async () => {
      const { rows } = await t.gw.db.raw(`SELECT carrier_message_id, stat FROM unmatched_receipts WHERE carrier_message_id = '7fffabcd'`);
      return rows[0];
    }, 10_000, 'the unknown receipt to be stored');
    expect(stored).toEqual({ carrier_message_id: '7fffabcd', stat: 'DELIVRD' });
    expect((await t.gw.metrics.receiptsUnmatched.get()).values[0]?.value).toBe(before + 1);
  });
});

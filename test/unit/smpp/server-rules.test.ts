import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env';
import { GatewayError, ERROR_CODES, type ErrorCode } from '../../../src/core/errors';
import { encodeGsm7Unpacked, encodeUcs2, packSeptets } from '../../../src/core/text';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { BindAuthenticator } from '../../../src/smpp/server/bind-authenticator';
import { SMPP_STATUS, commandStatusOf } from '../../../src/smpp/server/command-status-map';
import { deliverSmFields } from '../../../src/smpp/server/deliver-pdu';
import { SmppRefusal, decodeInboundText, scheduleDeliveryTime, smppTime, validitySeconds } from '../../../src/smpp/server/inbound-text';
import { LoginGuard } from '../../../src/smpp/server/login-guard';
import { esmeReceipts } from '../../../src/pipeline/esme-notify';
import type { Finalized, MessageRecord } from '../../../src/pipeline/types';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as SmppRefusal).commandStatus;
  }
  return undefined;
};

describe('submitted text', () => {
  it('reads data_coding 0 unpacked septets, with the GSM extension table', () => {
    expect(decodeInboundText({ short_message: encodeGsm7Unpacked('Price: 5€ [ok] @home'), data_coding: 0 }).text).toBe('Price: 5€ [ok] @home');
  });

  it('reads data_coding 0 packed septets (detected by an octet above 0x7F)', () => {
    const packed = packSeptets(encodeGsm7Unpacked('hello world'));
    expect(packed.some((o) => o > 0x7f)).toBe(true);
    expect(decodeInboundText({ short_message: packed, data_coding: 0 }).text).toBe('hello world');
  });

  it('reads Latin-1 (3), UCS-2 (8) and message_payload', () => {
    expect(decodeInboundText({ short_message: Buffer.from('Grüße café', 'latin1'), data_coding: 3 }).text).toBe('Grüße café');
    expect(decodeInboundText({ short_message: encodeUcs2('سلام 👋'), data_coding: 8 }).text).toBe('سلام 👋');
    const long = 'x'.repeat(400);
    expect(decodeInboundText({ short_message: Buffer.alloc(0), message_payload: encodeGsm7Unpacked(long), data_coding: 0 }).text).toBe(long);
  });

  it('refuses both short_message and message_payload, 8-bit data and a broken UDH', () => {
    expect(refusal(() => decodeInboundText({ short_message: Buffer.from('a'), message_payload: Buffer.from('b') }))).toBe(COMMAND_STATUS.ESME_RINVMSGLEN);
    expect(refusal(() => decodeInboundText({ short_message: Buffer.from([1, 2]), data_coding: 4 }))).toBe(COMMAND_STATUS.ESME_RSUBMITFAIL);
    expect(refusal(() => decodeInboundText({ short_message: Buffer.from([9, 0, 3]), esm_class: 0x40 }))).toBe(COMMAND_STATUS.ESME_RINVESMCLASS);
  });

  it('finds the concatenation header in an 8-bit UDH, a 16-bit UDH and SAR TLVs', () => {
    const udh8 = Buffer.concat([Buffer.from([5, 0, 3, 0x2a, 3, 2]), encodeGsm7Unpacked('part two')]);
    expect(decodeInboundText({ short_message: udh8, esm_class: 0x40 })).toEqual({ text: 'part two', concat: { kind: 'udh8', reference: 0x2a, total: 3, seq: 2 } });
    const udh16 = Buffer.concat([Buffer.from([6, 8, 4, 0x12, 0x34, 2, 1]), encodeUcs2('یک')]);
    expect(decodeInboundText({ short_message: udh16, esm_class: 0x40, data_coding: 8 })).toEqual({ text: 'یک', concat: { kind: 'udh16', reference: 0x1234, total: 2, seq: 1 } });
    expect(decodeInboundText({ short_message: Buffer.from('b'), sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 2 }).concat).toEqual({ kind: 'sar', reference: 7, total: 2, seq: 2 });
    expect(refusal(() => decodeInboundText({ short_message: Buffer.from('b'), sar_msg_ref_num: 7 }))).toBe(COMMAND_STATUS.ESME_RMISSINGOPTPARAM);
  });

  it('reads a packed GSM part after its UDH with the fill bits', () => {
    const udh = Buffer.from([5, 0, 3, 1, 2, 1]);
    const body = packSeptets(encodeGsm7Unpacked('packed after header'), 1);
    expect(decodeInboundText({ short_message: Buffer.concat([udh, body]), esm_class: 0x40 }).text).toBe('packed after header');
  });
});

describe('validity_period', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  it('reads relative and absolute forms, capped at 7 days', () => {
    expect(validitySeconds('', now)).toBeNull();
    expect(validitySeconds('000000010000000R', now)).toBe(3600);
    // 14:00 at UTC+1 (4 quarter hours) is 13:00 UTC: one hour ahead.
    expect(validitySeconds('250301140000004+', now)).toBe(3600);
    expect(validitySeconds('991231235959000R', now)).toBe(7 * 86400);
    expect(refusal(() => validitySeconds('250301130000004+', now))).toBe(COMMAND_STATUS.ESME_RINVEXPIRY);
    expect(refusal(() => validitySeconds('tomorrow', now))).toBe(COMMAND_STATUS.ESME_RINVEXPIRY);
    expect(smppTime(now)).toBe('250301120000000+');
  });

  it('counts from the scheduled release when there is one', () => {
    const release = new Date('2025-03-01T12:30:00Z');
    expect(validitySeconds('000000010000000R', now, release)).toBe(3600);
    // An absolute end is the same instant whenever the message is released.
    expect(validitySeconds('250301130000000+', now, release)).toBe(1800);
    expect(refusal(() => validitySeconds('250301122000000+', now, release))).toBe(COMMAND_STATUS.ESME_RINVEXPIRY);
  });
});

describe('schedule_delivery_time', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  it('reads relative and absolute forms; the past means now; at most 35 days ahead', () => {
    expect(scheduleDeliveryTime('', now)).toBeNull();
    expect(scheduleDeliveryTime('000000000130000R', now)).toEqual(new Date('2025-03-01T12:01:30Z'));
    expect(scheduleDeliveryTime('250302120000000+', now)).toEqual(new Date('2025-03-02T12:00:00Z'));
    expect(scheduleDeliveryTime('250301110000000+', now)).toBeNull();
    expect(scheduleDeliveryTime('000035000000000R', now)).toEqual(new Date('2025-04-05T12:00:00Z'));
    expect(refusal(() => scheduleDeliveryTime('000035000001000R', now))).toBe(COMMAND_STATUS.ESME_RINVSCHED);
    expect(refusal(() => scheduleDeliveryTime('soon', now))).toBe(COMMAND_STATUS.ESME_RINVSCHED);
  });
});

describe('SMPP configuration', () => {
  it('requires the certificate and key files when SMPP_TLS_PORT is set', () => {
    expect(() => loadConfig({ SMPP_TLS_PORT: '3550' })).toThrow(/SMPP_TLS_CERT/);
    expect(() => loadConfig({ SMPP_TLS_PORT: '3550', SMPP_TLS_CERT: '/c.pem' })).toThrow(/SMPP_TLS_KEY/);
    expect(loadConfig({ SMPP_TLS_PORT: '3550', SMPP_TLS_CERT: '/c.pem', SMPP_TLS_KEY: '/k.pem' }).smppTls).toEqual({ port: 3550, certFile: '/c.pem', keyFile: '/k.pem' });
    expect(loadConfig({}).smppTls).toBeUndefined();
    expect(loadConfig({}).smppMaxBindsPerApp).toBe(10);
    expect(() => loadConfig({ SMPP_MAX_BINDS_PER_APP: '0' })).toThrow(/SMPP_MAX_BINDS_PER_APP/);
  });
});

describe('the command_status map', () => {
  it('covers every error code, with the DESIGN.md statuses for throttling, queue and balance', () => {
    expect(Object.keys(SMPP_STATUS).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    const of = (code: ErrorCode) => commandStatusOf(new GatewayError(code));
    expect(of('THROTTLED')).toBe(0x58);
    expect(of('QUEUE_UNAVAILABLE')).toBe(0x14);
    expect(of('INSUFFICIENT_BALANCE')).toBe(0x45);
    expect(of('INVALID_NUMBER')).toBe(COMMAND_STATUS.ESME_RINVDSTADR);
    expect(commandStatusOf(new Error('boom'))).toBe(COMMAND_STATUS.ESME_RSYSERR);
  });
});

describe('bad-password protection', () => {
  it('delays each failure more, locks the key out after 5, and frees it after the lockout', () => {
    let now = 0;
    const guard = new LoginGuard({ nowMs: () => now });
    const key = LoginGuard.key('10.0.0.1', 'gwabc');
    expect([1, 2, 3, 4].map(() => guard.failure(key))).toEqual([250, 500, 1000, 2000]);
    expect(guard.lockedForMs(key)).toBe(0);
    guard.failure(key);
    expect(guard.lockedForMs(key)).toBe(5 * 60_000);
    expect(guard.lockedForMs(LoginGuard.key('10.0.0.2', 'gwabc'))).toBe(0);
    now += 5 * 60_000;
    expect(guard.lockedForMs(key)).toBe(0);
  });

  it('caches a good password briefly and bounds concurrent scrypt checks', async () => {
    const app = { id: 'a', accountId: 'acc', name: 'x', throughputPerSecond: 1, callbackUrl: null, moUrl: null, senders: [] };
    let running = 0;
    let peak = 0;
    let calls = 0;
    const auth = new BindAuthenticator(
      { bySystemId: async (id) => (id === 'gw1' ? { app, smppPasswordHash: 'h' } : undefined) },
      {
        maxConcurrentVerifications: 2,
        verify: async (password) => {
          calls++;
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return password === 'secret';
        },
      },
    );
    const verdicts = await Promise.all(Array.from({ length: 6 }, (_, i) => auth.authenticate(`10.0.0.${i}`, 'gw1', `bad${i}`)));
    expect(verdicts.every((v) => !v.ok && v.commandStatus === COMMAND_STATUS.ESME_RINVPASWD)).toBe(true);
    expect(peak).toBe(2);
    expect((await auth.authenticate('h', 'nobody', 'x')).ok).toBe(false);
    expect(await auth.authenticate('h', 'gw1', 'secret')).toEqual({ ok: true, app });
    const before = calls;
    await auth.authenticate('h2', 'gw1', 'secret');
    expect(calls).toBe(before);
  });
});

describe('receipts back to the client', () => {
  const message: MessageRecord = {
    id: '01950000-0000-7000-8000-000000000001', accountId: 'acc', appId: 'app', channel: 'smpp', to: '989121234567', from: 'ACME',
    text: 'Hello from smsgw, a longer text', encoding: 'gsm7', parts: 1, price: 5, priority: 'normal', reference: null, callbackUrl: null,
    registeredDelivery: true, validUntil: new Date('2025-03-02T12:00:00Z'), status: 'delivered', carrierId: null, carrierMessageId: null,
    errorCode: null, createdAt: new Date('2025-03-01T12:00:00Z'),
  };
  const finalized = (m: MessageRecord, status: Finalized['status'], errorCode: string | null = null): Finalized => ({
    message: m, status, errorCode, refunded: 0, at: new Date('2025-03-01T12:05:00Z'),
  });

  it('are made only for SMPP messages that asked for one', () => {
    expect(esmeReceipts([finalized({ ...message, channel: 'http' }, 'delivered'), finalized({ ...message, registeredDelivery: false }, 'delivered')])).toEqual([]);
    const [r] = esmeReceipts([finalized(message, 'undelivered', '001')]);
    expect(r).toMatchObject({ receiptId: message.id, from: '989121234567', to: 'ACME', stat: 'UNDELIV', err: '001' });
    expect(esmeReceipts([finalized({ ...message, reference: 'multi-id' }, 'rejected', 'CANCELLED')])[0]).toMatchObject({ receiptId: 'multi-id', stat: 'DELETED', err: '000' });
  });

  it('go out as deliver_sm with esm_class 0x04, the receipt text and the TLVs', () => {
    const [r] = esmeReceipts([finalized(message, 'delivered')]);
    const f = deliverSmFields(r!);
    expect(f).toMatchObject({ esm_class: 4, data_coding: 0, source_addr: '989121234567', destination_addr: 'ACME', receipted_message_id: message.id, message_state: 2 });
    expect(f.short_message!.toString('latin1')).toBe(
      `id:${message.id} sub:001 dlvrd:001 submit date:2503011200 done date:2503011205 stat:DELIVRD err:000 text:Hello from smsgw, a `,
    );
  });
});

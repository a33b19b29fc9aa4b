import { describe, expect, it } from 'vitest';
import { messageOutcome, statusOfStat } from '../../../src/pipeline/reconcile';
import { signBody, statusCallbacks } from '../../../src/pipeline/notify';
import { createHmac } from 'node:crypto';

describe('receipt stat words', () => {
  it('map to final statuses; intermediate words map to nothing', () => {
    expect(statusOfStat('DELIVRD')).toBe('delivered');
    expect(statusOfStat('undeliv')).toBe('undelivered');
    expect(statusOfStat('EXPIRED')).toBe('expired');
    expect(statusOfStat('REJECTD')).toBe('rejected');
    expect(statusOfStat('ENROUTE')).toBeNull();
    expect(statusOfStat('ACCEPTD')).toBeNull();
  });

  it('an unknown word counts as undelivered (refunded), never as delivered', () => {
    expect(statusOfStat('WHATEVER')).toBe('undelivered');
  });
});

describe('a multipart message outcome', () => {
  it('is delivered only when every part is', () => {
    expect(messageOutcome([{ status: 'delivered', errorCode: null }, { status: 'delivered', errorCode: null }])).toEqual({ status: 'delivered', errorCode: null });
  });

  it('takes the first part that was not delivered', () => {
    expect(
      messageOutcome([
        { status: 'delivered', errorCode: null },
        { status: 'expired', errorCode: '001' },
        { status: 'undelivered', errorCode: '002' },
      ]),
    ).toEqual({ status: 'expired', errorCode: '001' });
  });
});

describe('status callbacks', () => {
  it('are signed with HMAC-SHA256 of the raw body keyed with the app secret', () => {
    const body = '{"id":"x","status":"delivered"}';
    expect(signBody(body, 'sk_secret')).toBe(`sha256=${createHmac('sha256', 'sk_secret').update(body).digest('hex')}`);
  });

  it('carry id, status, to, reference, errorCode and time, only for messages with a callbackUrl', () => {
    const base = {
      id: 'm1', accountId: 'a', appId: 'app', channel: 'http' as const, to: '989121234567', from: null, text: 't', encoding: 'gsm7' as const,
      parts: 1, price: 5, priority: 'normal' as const, reference: 'ref-1', registeredDelivery: true, validUntil: new Date(),
      status: 'undelivered' as const, carrierId: null, carrierMessageId: null, errorCode: '001', createdAt: new Date(),
    };
    const at = new Date('2026-01-01T00:00:00Z');
    const callbacks = statusCallbacks([
      { message: { ...base, callbackUrl: 'https://x.test/cb' }, status: 'undelivered', errorCode: '001', refunded: 5, at },
      { message: { ...base, id: 'm2', callbackUrl: null }, status: 'delivered', errorCode: null, refunded: 0, at },
    ]);
    expect(callbacks).toHaveLength(1);
    expect(JSON.parse(callbacks[0]!.body)).toEqual({ id: 'm1', status: 'undelivered', to: '989121234567', reference: 'ref-1', errorCode: '001', at: '2026-01-01T00:00:00.000Z' });
  });
});

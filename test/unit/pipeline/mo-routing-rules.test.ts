import { describe, expect, it } from 'vitest';
import { firstKeyword, moDeliveries, normalizeMoNumber } from '../../../src/pipeline/mo-routing';
import { bodyHash } from '../../../src/http/idempotency';

const mo = (id: string, to = '3000') => ({ id, carrierId: 'c', from: '989121234567', to, text: 'Hi there', receivedAt: new Date('2026-11-24T10:00:00Z') });

describe('MO routing rules', () => {
  it('normalises destinations and takes the first word as keyword', () => {
    expect(normalizeMoNumber('+98 912-123')).toBe('98912123');
    expect(normalizeMoNumber('0098912')).toBe('98912');
    expect(firstKeyword('  taxi please')).toBe('TAXI');
    expect(firstKeyword('')).toBe('');
  });

  it('apps with a moUrl get a webhook, the others an SMPP notice; unrouted ones are counted', () => {
    const out = moDeliveries(
      [mo('1'), mo('2'), mo('3')],
      [
        { id: '1', appId: 'a', moUrl: 'http://a/mo' },
        { id: '2', appId: 'b', moUrl: null },
        { id: '3', appId: null, moUrl: null },
      ],
      60_000,
    );
    expect(out.unrouted).toBe(1);
    expect(out.callbacks).toEqual([
      { appId: 'a', url: 'http://a/mo', kind: 'mo', body: JSON.stringify({ id: '1', from: '989121234567', to: '3000', text: 'Hi there', receivedAt: '2026-11-24T10:00:00.000Z' }) },
    ]);
    expect(out.notices).toEqual([expect.objectContaining({ kind: 'mo', appId: 'b', id: '2', validUntil: '2026-11-24T10:01:00.000Z' })]);
  });
});

describe('idempotency body hash', () => {
  it('ignores key order and tells different bodies apart', () => {
    expect(bodyHash({ to: '1', text: 'a' })).toBe(bodyHash({ text: 'a', to: '1' }));
    expect(bodyHash({ to: '1', text: 'a' })).not.toBe(bodyHash({ to: '1', text: 'b' }));
    expect(bodyHash({ to: ['1', '2'] })).not.toBe(bodyHash({ to: ['2', '1'] }));
  });
});

import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors';
import { MAX_RECIPIENTS, prepareSubmission, type PrepareContext } from '../../../src/pipeline/prepare-submission';
import { RoutingTable } from '../../../src/routing/routing-table';

const app = { id: 'app-1', accountId: 'acct-1', name: 'a', throughputPerSecond: 100, callbackUrl: 'https://example.test/cb', moUrl: null, senders: [] };
const ctx: PrepareContext = {
  app,
  channel: 'http',
  routing: new RoutingTable([{ prefix: '98', carrierIds: ['c'], price: 7 }]),
  now: new Date('2026-01-01T00:00:00Z'),
  defaultValiditySeconds: 3600,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof GatewayError ? error.code : 'not a GatewayError';
  }
  return undefined;
}

describe('preparing a submission', () => {
  it('normalises numbers, measures the text and prices it per part', () => {
    const [m] = prepareSubmission({ to: ['+98 912-123-4567'], text: 'x'.repeat(161) }, ctx);
    expect(m).toMatchObject({ to: '989121234567', parts: 2, encoding: 'gsm7', price: 14, priority: 'normal' });
    expect(m!.validUntil.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(m!.callbackUrl).toBe('https://example.test/cb');
  });

  it('prices UCS-2 text by 70/67 units', () => {
    const [m] = prepareSubmission({ to: ['989121234567'], text: 'سلام'.repeat(20) }, ctx);
    expect(m).toMatchObject({ encoding: 'ucs2', parts: 2, price: 14 });
  });

  it('gives each recipient its own time-ordered id', () => {
    const ms = prepareSubmission({ to: ['989121234567', '989121234568'], text: 'hi' }, ctx);
    expect(new Set(ms.map((m) => m.id)).size).toBe(2);
  });

  it('refuses the whole submission when one number is invalid, listing it', () => {
    try {
      prepareSubmission({ to: ['989121234567', '98912abc'], text: 'hi' }, ctx);
      expect.unreachable();
    } catch (error) {
      expect((error as GatewayError).code).toBe('INVALID_NUMBER');
      expect((error as GatewayError).details).toEqual({ invalid: ['98912abc'] });
    }
  });

  it('refuses numbers no route covers', () => {
    expect(codeOf(() => prepareSubmission({ to: ['447700900123'], text: 'hi' }, ctx))).toBe('NO_ROUTE');
  });

  it(`refuses more than ${MAX_RECIPIENTS} numbers`, () => {
    const to = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => `98912${String(i).padStart(7, '0')}`);
    expect(codeOf(() => prepareSubmission({ to, text: 'hi' }, ctx))).toBe('TOO_MANY_RECIPIENTS');
  });

  it('refuses empty text, too many parts and bad or disallowed senders', () => {
    expect(codeOf(() => prepareSubmission({ to: ['989121234567'], text: '' }, ctx))).toBe('INVALID_REQUEST');
    expect(codeOf(() => prepareSubmission({ to: ['989121234567'], text: 'x'.repeat(153 * 10 + 1) }, ctx))).toBe('MESSAGE_TOO_LONG');
    expect(codeOf(() => prepareSubmission({ to: ['989121234567'], text: 'hi', from: 'way-too-long-sender' }, ctx))).toBe('INVALID_SENDER');
    const strict = { ...ctx, app: { ...app, senders: ['Bank'] } };
    expect(codeOf(() => prepareSubmission({ to: ['989121234567'], text: 'hi', from: 'Shop' }, strict))).toBe('INVALID_SENDER');
    expect(prepareSubmission({ to: ['989121234567'], text: 'hi', from: 'Bank' }, strict)).toHaveLength(1);
  });
});

/** The Acceptor's quota and idempotency rules with in-memory ports (the real ones are covered in test/integration/policy). */
import { describe, expect, it } from 'vitest';
import { planQuota, type QuotaRequest } from '../../../src/billing/monthly-quota';
import { isGatewayError } from '../../../src/core/errors';
import { Acceptor } from '../../../src/pipeline/accept';
import type { IdempotencyClaim, QuotaPort } from '../../../src/pipeline/accept-limits';
import type { StageQueues } from '../../../src/pipeline/ports';
import type { NewMessage } from '../../../src/pipeline/types';

let seq = 0;
function message(appId = 'app-1', price = 5): NewMessage {
  seq++;
  return {
    id: `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    accountId: 'acc',
    appId,
    channel: 'http',
    to: '989121234567',
    from: null,
    text: 'hi',
    encoding: 'gsm7',
    parts: 1,
    price,
    priority: 'normal',
    reference: null,
    callbackUrl: null,
    registeredDelivery: false,
    validUntil: new Date('2030-01-01T00:00:00Z'),
  };
}

function harness(options: { quotas?: Record<string, number | null>; storedKeys?: string[]; reviewFails?: boolean } = {}) {
  const used = new Map<string, number>();
  const inserted: NewMessage[] = [];
  const abandoned: string[] = [];
  const forgotten: IdempotencyClaim[] = [];
  const keys = new Set(options.storedKeys ?? []);
  const quota: QuotaPort = {
    quotas: async (appIds) => new Map(appIds.map((id) => [id, options.quotas?.[id] ?? null])),
    reserve: async (requests: readonly QuotaRequest[]) => {
      const plan = planQuota(requests, used);
      for (const [k, v] of plan.used) used.set(k, v);
      return { allowed: plan.allowed, reservations: requests.flatMap((r, i) => (plan.allowed[i] ? [{ key: r.appId, count: r.count }] : [])) };
    },
    release: async (reservations) => {
      for (const r of reservations) used.set(r.key, (used.get(r.key) ?? 0) - r.count);
    },
  };
  const queues = {
    review: async () => {
      if (options.reviewFails) throw new Error('redis down');
    },
  } as unknown as StageQueues;
  const acceptor = new Acceptor({
    store: {
      balances: async (ids) => new Map(ids.map((id) => [id, 1_000])),
      insertAccepted: async (messages) => void inserted.push(...messages),
      abandonAccepted: async (ids) => void abandoned.push(...ids),
    },
    queues,
    quota,
    idempotency: {
      insertWithKeys: async (groups) =>
        groups.map((g) => {
          if (g.claim && keys.has(g.claim.key)) return false;
          if (g.claim) keys.add(g.claim.key);
          inserted.push(...g.messages);
          return true;
        }),
      forget: async (claims) => void forgotten.push(...claims),
    },
    maxBatchItems: 100,
    maxBatchWaitMs: 5,
    now: () => new Date('2026-11-30T23:00:00Z'),
  });
  return { acceptor, used, inserted, abandoned, forgotten };
}

const claim = (key: string): IdempotencyClaim => ({ appId: 'app-1', key, bodyHash: 'h', statusCode: 202, response: {} });

describe('accept with quotas and idempotency keys', () => {
  it('a submission over the monthly quota is refused with QUOTA_EXCEEDED and reserves nothing; the others pass', async () => {
    const { acceptor, used, inserted } = harness({ quotas: { 'app-1': 3 } });
    const results = await Promise.allSettled([acceptor.accept([message(), message()]), acceptor.accept([message(), message()]), acceptor.accept([message()])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason;
    expect(isGatewayError(error) && error.code).toBe('QUOTA_EXCEEDED');
    expect(error.retryAfterSeconds).toBe(3600);
    expect(used.get('app-1')).toBe(3);
    expect(inserted).toHaveLength(3);
  });

  it('the same key twice in one batch creates one set; the second is a duplicate', async () => {
    const { acceptor, inserted, used } = harness({ quotas: { 'app-1': 10 } });
    const [a, b] = await Promise.all([acceptor.acceptIdempotent([message()], claim('k')), acceptor.acceptIdempotent([message()], claim('k'))]);
    expect([a, b]).toEqual(['accepted', 'duplicate']);
    expect(inserted).toHaveLength(1);
    expect(used.get('app-1')).toBe(1);
  });

  it('a key already stored makes a duplicate whose quota is given back', async () => {
    const { acceptor, inserted, used } = harness({ quotas: { 'app-1': 10 }, storedKeys: ['k'] });
    expect(await acceptor.acceptIdempotent([message(), message()], claim('k'))).toBe('duplicate');
    expect(inserted).toHaveLength(0);
    expect(used.get('app-1')).toBe(0);
  });

  it('when the review job cannot be enqueued, nothing is kept: rows abandoned, keys forgotten, quota given back', async () => {
    const { acceptor, abandoned, forgotten, used } = harness({ quotas: { 'app-1': 10 }, reviewFails: true });
    const error = await acceptor.acceptIdempotent([message()], claim('k')).catch((e: unknown) => e);
    expect(isGatewayError(error) && error.code).toBe('QUEUE_UNAVAILABLE');
    expect(abandoned).toHaveLength(1);
    expect(forgotten.map((c) => c.key)).toEqual(['k']);
    expect(used.get('app-1')).toBe(0);
  });
});

/**
 * Per-account dispatch caps in the dispatch stage, against fakes: what an
 * account's bucket grants goes to the carrier now, the rest is released and
 * requeued for when the bucket has room (neither an attempt nor a wait),
 * uncapped accounts are untouched, and a failing cap source lets the batch go.
 */
import { describe, expect, it } from 'vitest';
import type { OutboundPart, SubmitOutcome } from '../../../src/carriers/types';
import { admitByAccountCaps } from '../../../src/pipeline/dispatch-caps';
import { dispatchBatch, type DispatchDeps } from '../../../src/pipeline/dispatch';
import type { DispatchCaps, DispatchJobOptions } from '../../../src/pipeline/ports';
import type { MessageRecord, Priority } from '../../../src/pipeline/types';
import { RoutingTable } from '../../../src/routing/routing-table';

const NOW = new Date('2026-01-01T00:00:00Z');

function message(n: number, accountId: string, priority: Priority = 'normal'): MessageRecord {
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    accountId,
    appId: 'app',
    channel: 'http',
    to: `98912${String(n).padStart(7, '0')}`,
    from: null,
    text: 'hello',
    encoding: 'gsm7',
    parts: 1,
    price: 1,
    priority,
    reference: null,
    callbackUrl: null,
    registeredDelivery: true,
    validUntil: new Date(NOW.getTime() + 3_600_000),
    status: 'queued',
    carrierId: null,
    carrierMessageId: null,
    errorCode: null,
    createdAt: NOW,
  };
}

/** Caps per account; each take grants what `tokens` has left for it. */
function fakeCaps(caps: Record<string, number>, tokens: Record<string, number>, retryAfterMs = 40): DispatchCaps & { takes: string[] } {
  const takes: string[] = [];
  return {
    takes,
    capOf: async (accountId) => caps[accountId] ?? null,
    take: async (accountId, _rate, wanted) => {
      takes.push(`${accountId}:${wanted}`);
      const granted = Math.min(wanted, tokens[accountId] ?? 0);
      tokens[accountId] = (tokens[accountId] ?? 0) - granted;
      return { granted, retryAfterMs: granted < wanted ? retryAfterMs : 0 };
    },
  };
}

describe('admitByAccountCaps', () => {
  it('lets uncapped accounts through untouched, and asks the bucket once per capped account', async () => {
    const batch = [message(1, 'A'), message(2, 'B'), message(3, 'A'), message(4, 'B')];
    const caps = fakeCaps({ A: 10 }, { A: 1 });
    const { admitted, deferred } = await admitByAccountCaps(batch, caps);
    expect(admitted.map((m) => m.id)).toEqual([batch[0]!.id, batch[1]!.id, batch[3]!.id]);
    expect(deferred).toEqual([{ messages: [batch[2]], delayMs: 100 }]);
    expect(caps.takes).toEqual(['A:2']);
  });

  it('defers the rest in chunks of a second\'s worth, each about when its permits are there', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => message(i, 'C'));
    const { admitted, deferred } = await admitByAccountCaps(batch, fakeCaps({ C: 20 }, { C: 5 }));
    expect(admitted).toHaveLength(5);
    expect(deferred.map((d) => [d.messages.length, d.delayMs])).toEqual([
      [20, 1_000],
      [20, 1_000],
      [5, 2_000],
    ]);
    expect(deferred.flatMap((d) => d.messages)).toEqual(batch.slice(5));
  });

  it('bounds a large backlog to a few jobs, the first waiting for at most a bucketful', async () => {
    const batch = Array.from({ length: 1_000 }, (_, i) => message(i, 'C'));
    const { deferred } = await admitByAccountCaps(batch, fakeCaps({ C: 10 }, { C: 0 }, 70));
    expect(deferred).toHaveLength(10);
    expect(deferred[0]!.delayMs).toBe(1_000);
    expect(deferred[1]!.delayMs).toBe(10_000);
  });

  it('never waits less than the bucket says', async () => {
    const { deferred } = await admitByAccountCaps([message(1, 'C'), message(2, 'C')], fakeCaps({ C: 1_000 }, { C: 0 }, 400));
    expect(deferred.map((d) => d.delayMs)).toEqual([400]);
  });

  it('lets the batch go uncapped when the caps cannot be read', async () => {
    const errors: unknown[] = [];
    const caps: DispatchCaps = { capOf: async () => 5, take: async () => Promise.reject(new Error('redis away')) };
    const batch = [message(1, 'A'), message(2, 'A')];
    const { admitted, deferred } = await admitByAccountCaps(batch, caps, (e) => errors.push(e));
    expect(admitted).toEqual(batch);
    expect(deferred).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

describe('dispatchBatch with account caps', () => {
  function harness(batch: MessageRecord[], caps: DispatchCaps) {
    const sent: string[] = [];
    const released: string[][] = [];
    const requeued: Array<{ jobId: string; ids: readonly string[]; priority: Priority; options: DispatchJobOptions | undefined }> = [];
    const table = new RoutingTable([{ prefix: '', carrierIds: ['c1'], price: 1 }]);
    const deps: DispatchDeps = {
      store: {
        claim: async (ids) => batch.filter((m) => ids.includes(m.id)),
        submittedParts: async () => [],
        recordSubmission: async () => undefined,
        release: async (ids) => void released.push([...ids]),
        finalize: async () => [],
      },
      deadLetters: { deadLetter: async () => undefined },
      queues: {
        review: async () => undefined,
        dispatch: async (jobId, ids, priority, options) => void requeued.push({ jobId, ids, priority, options }),
        receipts: async () => undefined,
        callbacks: async () => undefined,
      },
      carriers: {
        submit: async (_id: string, part: OutboundPart): Promise<SubmitOutcome> => {
          sent.push(part.destinationAddr);
          return { kind: 'accepted', carrierMessageId: `x${sent.length}` };
        },
        liveState: () => undefined,
      },
      routing: { table: () => table, carrier: (id) => (id === 'c1' ? ({ id, name: 'c1', enabled: true } as never) : undefined) },
      idMap: { put: async () => undefined, get: async () => new Map() },
      now: () => NOW,
      onFinalized: async () => undefined,
      caps,
    };
    return { deps, sent, released, requeued };
  }

  it('sends what the cap grants, and requeues the rest as a deferral: same attempt and waits, bulk kept, a unique job id', async () => {
    const batch = [message(1, 'C'), message(2, 'C'), message(3, 'C'), message(4, 'U')];
    const h = harness(batch, fakeCaps({ C: 2 }, { C: 1 }));
    await dispatchBatch({ jobId: 'j', ids: batch.map((m) => m.id), attempt: 1, waits: 2, deferrals: 3, bulk: true }, h.deps);
    expect(h.sent.sort()).toEqual([batch[0]!.to, batch[3]!.to].sort());
    expect(h.released).toEqual([[batch[1]!.id, batch[2]!.id]]);
    expect(h.requeued).toEqual([
      {
        jobId: `dispatch:${batch[1]!.id}:g0.a1.w2.d4`,
        ids: [batch[1]!.id, batch[2]!.id],
        priority: 'normal',
        options: { delayMs: 1_000, attempt: 1, waits: 2, generation: 0, avoidCarrierIds: [], deferrals: 4, bulk: true },
      },
    ]);
  });

  it('without caps, sends everything and requeues nothing', async () => {
    const batch = [message(1, 'C', 'express'), message(2, 'C', 'express')];
    const h = harness(batch, fakeCaps({}, {}));
    await dispatchBatch({ jobId: 'j', ids: batch.map((m) => m.id), attempt: 0 }, h.deps);
    expect(h.sent).toHaveLength(2);
    expect(h.requeued).toEqual([]);
  });
});
